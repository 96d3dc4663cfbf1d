import { isAbsolute, resolve } from 'node:path';
import { shippedMcpConfigPath } from '@ironcurtain/default-policy';
import { checkWorkspace, hostWorkspaceFileSystem, workspacePlacesOf } from '@ironcurtain/policy-engine';

/** Exit code of `ironcurtain start --workspace DIR` when DIR is refused (a usage error: nothing was started). */
export const workspaceRefusedExitCode = 2;

/** What the check of `--workspace` needs from the command's context. */
export interface WorkspaceOptionContext {
  /** The working directory: a relative DIR is resolved against it. */
  cwd: string;
  /** IRONCURTAIN_HOME. */
  home: string;
  /** The user's home directory. */
  homeDirectory: string;
  /** `IRONCURTAIN_MCP_CONFIG`, when set: the MCP server config the stack runs (else the shipped one). */
  mcpConfigPath: string | undefined;
}

/**
 * `--workspace DIR` as the session-orchestrator will get it: DIR made absolute against the working directory and
 * resolved to its real path, after the same check the orchestrator (the authority, which may be on another machine)
 * and the PDP make again (`checkWorkspace`). Refused: not a directory, `/`, the home directory, IRONCURTAIN_HOME and
 * what is in or above it, a protected path and what is in or above it. A refusal says why and what to do.
 */
export function resolveWorkspaceOption(
  directory: string,
  context: WorkspaceOptionContext,
): { workspace: string } | { error: string } {
  const requested = isAbsolute(directory) ? resolve(directory) : resolve(context.cwd, directory);
  const places = workspacePlacesOf({
    ironcurtainHome: context.home,
    processHome: context.homeDirectory,
    mcpConfigPath: context.mcpConfigPath ?? shippedMcpConfigPath,
  });
  const verdict = checkWorkspace(requested, places, hostWorkspaceFileSystem);
  return verdict.isAllowed ? { workspace: verdict.workspace } : { error: verdict.message };
}
