import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { resolveHome } from '@ironcurtain/config';
import type { CliContext } from '../../cli-context.js';
import { loadLocalPolicy, type LocalPolicy } from '../../domain/policy/local-decision.js';
import { resolvePolicyLocations, type PolicyLocations } from '../../domain/policy/policy-locations.js';

/** The options `--policy-dir`, `--sandbox` and `--mcp-config` as commander hands them over. */
export interface LocationOptions {
  policyDir?: string;
  sandbox?: string;
  mcpConfig?: string;
}

/**
 * Adds `--policy-dir` (optional with a default, or required for commands that judge a candidate), `--mcp-config`,
 * and `--sandbox` unless the command picks its own sandboxes.
 */
export function withLocationOptions(
  command: Command,
  options: { hasSandbox: boolean; isPolicyDirRequired?: boolean },
): Command {
  if (options.isPolicyDirRequired === true) {
    command.requiredOption('--policy-dir <dir>', 'the candidate policy');
  } else {
    command.option(
      '--policy-dir <dir>',
      'the policy to decide with (default: $IRONCURTAIN_HOME/generated if it holds compiled-policy.json, ' +
        'else the policy IronCurtain ships with)',
    );
  }
  command.option(
    '--mcp-config <file>',
    "the MCP server config whose servers' allowedDomains are the domain gates (default: the shipped one)",
  );
  if (options.hasSandbox) {
    command.option(
      '--sandbox <dir>',
      'the session sandbox relative paths resolve against (default: $IRONCURTAIN_HOME/sessions/policy-eval/sandbox)',
    );
  }
  return command;
}

/** IRONCURTAIN_HOME, absolute. */
export function homeOf(context: CliContext): string {
  return resolveHome(context.env['IRONCURTAIN_HOME'], context.homeDirectory);
}

/** Resolves the locations and loads the policy with its protected paths and domain gates. */
export async function loadPolicyFor(
  context: CliContext,
  options: LocationOptions,
): Promise<{ local: LocalPolicy; locations: PolicyLocations; home: string }> {
  const home = homeOf(context);
  const locations = await resolvePolicyLocations(options, home, context.cwd);
  const local = await loadLocalPolicy({
    home,
    policyDir: locations.policyDir,
    mcpConfigPath: locations.mcpConfigPath,
    homeDir: context.homeDirectory,
    cwd: context.cwd,
  });
  for (const warning of local.policy.warnings)
    context.stderr.write(`ironcurtain: warning: ${warning.message}\n`);
  return { local, locations, home };
}

/** The lines of standard input, as they arrive. */
export function stdinLines(context: CliContext): AsyncIterable<string> {
  return createInterface({ input: context.stdin, crlfDelay: Infinity });
}

/** All of standard input as one string. */
export async function readAllStdin(context: CliContext): Promise<string> {
  const chunks: string[] = [];
  context.stdin.setEncoding('utf8');
  for await (const chunk of context.stdin) chunks.push(String(chunk));
  return chunks.join('');
}
