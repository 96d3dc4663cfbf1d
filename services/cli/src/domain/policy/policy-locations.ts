import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defaultPolicyDir, shippedMcpConfigPath } from '@ironcurtain/default-policy';
import { policyFileNames } from '@ironcurtain/policy-engine';

/** The MCP server config the shipped policy folder holds beside its artifacts. */
export const mcpServersFileName = 'mcp-servers.json';

/** Where the local policy commands find their inputs, all absolute. */
export interface PolicyLocations {
  policyDir: string;
  sandboxDir: string;
  /** The MCP server config: its servers' allowed domains feed the domain gate, and the file itself is protected. */
  mcpConfigPath: string | undefined;
}

/** The options a user may give; each one unset falls back to a default. */
export interface PolicyLocationOptions {
  policyDir?: string | undefined;
  sandbox?: string | undefined;
  mcpConfig?: string | undefined;
}

/**
 * Resolves the policy folder, sandbox and MCP config for `policy eval|explain|verify|replay`:
 * - policy: `--policy-dir`, else `IRONCURTAIN_HOME/generated` when it holds a compiled policy, else the shipped one;
 * - sandbox: `--sandbox`, else `IRONCURTAIN_HOME/sessions/policy-eval/sandbox` (it need not exist);
 * - MCP config: `--mcp-config`, else the shipped `mcp-servers.json` when there is one.
 * Relative options resolve against `cwd`.
 */
export async function resolvePolicyLocations(
  options: PolicyLocationOptions,
  home: string,
  cwd: string,
): Promise<PolicyLocations> {
  const policyDir =
    options.policyDir === undefined ? await defaultPolicyDirectory(home) : resolve(cwd, options.policyDir);
  const sandboxDir = options.sandbox === undefined ? policyEvalSandbox(home) : resolve(cwd, options.sandbox);
  const mcpConfigPath =
    options.mcpConfig === undefined ? await shippedMcpConfig() : resolve(cwd, options.mcpConfig);
  return { policyDir, sandboxDir, mcpConfigPath };
}

/** The sandbox `policy eval` decides against when none is given. */
export function policyEvalSandbox(home: string): string {
  return join(home, 'sessions', 'policy-eval', 'sandbox');
}

/** Where a session's sandbox lives under IRONCURTAIN_HOME (the same place the PDP puts it). */
export function sessionSandbox(home: string, sessionId: string): string {
  return join(home, 'sessions', sessionId, 'sandbox');
}

/** `IRONCURTAIN_HOME/generated` when it holds a compiled policy, else the policy IronCurtain ships with. */
export async function defaultPolicyDirectory(home: string): Promise<string> {
  const generated = join(home, 'generated');
  return (await exists(join(generated, policyFileNames.compiledPolicy))) ? generated : defaultPolicyDir;
}

/** The shipped `mcp-servers.json`, or undefined when the shipped policy has none. */
export async function shippedMcpConfig(): Promise<string | undefined> {
  return (await exists(shippedMcpConfigPath)) ? shippedMcpConfigPath : undefined;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
