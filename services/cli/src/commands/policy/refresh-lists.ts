import type { Command } from 'commander';
import type { CliContext } from '../../cli-context.js';
import { activateCompiledPolicy } from '../../domain/compile/compile-activation.js';
import { createPdpListToolCaller } from '../../domain/compile/compile-list-tools.js';
import { configuredCompileModel, createCompileAskContext } from '../../domain/compile/compile-llm.js';
import { resolveCompileLocations } from '../../domain/compile/compile-locations.js';
import { runRefresh } from '../../domain/compile/compile-refresh.js';
import { homeOf } from './policy-options.js';

interface RefreshOptions {
  list?: string[];
  model?: string;
  policyDir?: string;
  mcpConfig?: string;
  activate: boolean;
  json?: boolean;
}

/** `ironcurtain refresh-lists [--list NAME]`: resolve the policy's lists again, keeping manual edits. */
export function registerRefreshListsCommand(program: Command, context: CliContext): void {
  program
    .command('refresh-lists')
    .description(
      "resolve the compiled policy's lists (@news-sites, …) again, keeping manual additions and removals; the " +
        "policy's scenarios must still pass before dynamic-lists.json is replaced and the policy re-activated",
    )
    .option(
      '--list <name>',
      'refresh only this list (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--model <id>',
      'provider:model (default IRONCURTAIN_POLICY_MODEL, else anthropic:claude-sonnet-4-6)',
    )
    .option('--policy-dir <dir>', 'the compiled policy (default IRONCURTAIN_HOME/generated)')
    .option('--mcp-config <file>', 'the MCP server config (domain gates; default: the shipped one)')
    .option('--no-activate', 'do not publish the refreshed policy to a running stack')
    .option('--json', 'print the result as JSON')
    .action(async (options: RefreshOptions) => {
      const home = homeOf(context);
      const locations = await resolveCompileLocations(home, context.cwd, {
        outDir: options.policyDir,
        mcpConfig: options.mcpConfig,
      });
      const ask = createCompileAskContext(
        context.env,
        locations.workDir,
        options.model,
        await configuredCompileModel(home, context.stderr),
      );
      const outcome = await runRefresh(locations, {
        ask,
        only: options.list,
        callTool: createPdpListToolCaller(context.env, home),
        homeDirectory: context.homeDirectory,
        cwd: context.cwd,
      });
      const activation =
        outcome.isWritten && options.activate
          ? await activateCompiledPolicy(context.env, home, locations.outDir, context.userName())
          : undefined;
      if (options.json === true) {
        context.stdout.write(`${JSON.stringify({ ...outcome, policyDir: locations.outDir, activation })}\n`);
      } else {
        const lines = outcome.changes.map(
          (change) =>
            `${change.name}: ${change.values} values (+${change.added.length} −${change.removed.length})` +
            (change.added.length === 0 ? '' : `; added ${change.added.join(', ')}`) +
            (change.removed.length === 0 ? '' : `; removed ${change.removed.join(', ')}`),
        );
        lines.push(...outcome.failures.map((failure) => `FAIL ${failure}`));
        lines.push(
          outcome.isWritten
            ? `wrote ${locations.outDir}/dynamic-lists.json` +
                (activation === undefined
                  ? ''
                  : activation.activated
                    ? `; activated ${activation.policyHash}`
                    : `; not activated: ${activation.why}`)
            : 'refresh-lists: scenarios fail with the new lists; dynamic-lists.json was not changed',
        );
        context.stdout.write(`${lines.join('\n')}\n`);
      }
      context.setExitCode(outcome.isWritten ? 0 : 1);
    });
}
