import { join } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { McpConfig } from '@ironcurtain/mcp-config';
import { layoutMounts, type DenyRequest, type GrantRequest } from './mount-layout.js';
import type { SandboxMount, SandboxMountOrigin } from './sandbox-mount.js';
import { expandSandboxPath, resolveHostPath, type PathPlaceholders } from './sandbox-paths.js';
import { mountArguments } from './mount-arguments.js';
import { protectedPaths, systemViewMounts } from './system-view.js';

/** A server entry's `sandbox` setting from the MCP server config (`false` = the operator opted out). */
export type McpSandboxConfig = McpConfig[string]['sandbox'];

/** Where this server runs: the paths the config's placeholders stand for and what the server needs to start. */
export interface SandboxContext {
  /** This session's sandbox directory (`${IRONCURTAIN_SANDBOX}`); must exist. Read-write, the working directory. */
  sessionSandboxDir: string;
  /** The user's home directory (`~`). */
  homeDir: string;
  /** IronCurtain's state directory, never visible except the session sandbox. Default `<homeDir>/.ironcurtain`. */
  ironcurtainHome?: string;
  /** Read-only paths the server needs to run, e.g. the Node installation and the server package's folder. */
  extraReadOnly?: readonly string[];
  /** Read-write paths the server needs to run, e.g. a cache. */
  extraReadWrite?: readonly string[];
}

/** A server that runs inside bubblewrap: the arguments that build its sandbox and what they amount to. */
export interface BubblewrapPlan {
  kind: 'bubblewrap';
  /** bubblewrap options, without the user-namespace flags (see `wrapCommand`), the `--` and the command. */
  bwrapArgs: string[];
  /** The mount layout the arguments build, in order. */
  mounts: SandboxMount[];
  /** True when the config declares `network.allowedDomains`: the sandbox shares the host network. */
  hasNetwork: boolean;
  /** The declared domains; enforced by the policy's domain gate and the egress proxy, not by the sandbox. */
  allowedDomains: string[];
  /** Real path of the session sandbox. */
  sessionSandboxDir: string;
  /** Grants and denies that could not be applied as written, for the caller to log. */
  warnings: string[];
}

/** A server whose config says `sandbox: false`. */
export interface OptedOutPlan {
  kind: 'opted-out';
  warnings: string[];
}

/** How one MCP server is to be sandboxed. */
export type SandboxPlan = BubblewrapPlan | OptedOutPlan;

/**
 * Plans the bubblewrap sandbox for one MCP server: expands `~` and `${IRONCURTAIN_SANDBOX}`, resolves real paths
 * and lays out the mounts (see README). Reads the filesystem, changes nothing. A server without a `sandbox` entry
 * gets the strictest sandbox: the session sandbox only, no network.
 */
export function planSandbox(config: McpSandboxConfig, context: SandboxContext): SandboxPlan {
  if (config === false) return { kind: 'opted-out', warnings: [] };
  const sessionSandbox = resolveHostPath(context.sessionSandboxDir);
  if (sessionSandbox.kind !== 'directory') {
    throw new AppError(
      ErrorCode.NotFound,
      `session sandbox ${context.sessionSandboxDir} is not a directory; create it before starting the session's MCP servers`,
    );
  }
  const { grants, denies } = requestsOf(config, context);
  const network = config?.network;
  const allowedDomains = network === undefined || network === false ? [] : [...network.allowedDomains];
  const hasNetwork = allowedDomains.length > 0;
  const ironcurtainHome = context.ironcurtainHome ?? join(context.homeDir, '.ironcurtain');
  const { mounts, warnings } = layoutMounts({
    system: systemViewMounts(hasNetwork),
    sessionSandboxDir: sessionSandbox.realPath,
    grants,
    denies,
    protectedPaths: protectedPaths(context.homeDir, ironcurtainHome).map(resolveHostPath),
  });
  const bwrapArgs = [
    '--unshare-all',
    ...(hasNetwork ? ['--share-net'] : []),
    '--cap-drop',
    'ALL',
    '--die-with-parent',
    '--new-session',
    ...mountArguments(mounts),
    '--chdir',
    sessionSandbox.realPath,
  ];
  return {
    kind: 'bubblewrap',
    bwrapArgs,
    mounts,
    hasNetwork,
    allowedDomains,
    sessionSandboxDir: sessionSandbox.realPath,
    warnings,
  };
}

/** The config's and the caller's paths, expanded and resolved, as grants and denies. */
function requestsOf(
  config: Exclude<McpSandboxConfig, false>,
  context: SandboxContext,
): { grants: GrantRequest[]; denies: DenyRequest[] } {
  const placeholders: PathPlaceholders = {
    homeDir: context.homeDir,
    sessionSandboxDir: context.sessionSandboxDir,
  };
  const expand = (paths: readonly string[] | undefined, origin: SandboxMountOrigin) =>
    (paths ?? []).map((path) => ({
      resolved: resolveHostPath(expandSandboxPath(path, placeholders)),
      origin,
    }));
  const filesystem = config?.filesystem;
  const grants: GrantRequest[] = [
    ...expand(filesystem?.allowRead, 'allowRead').map((grant) => ({ ...grant, isWritable: false })),
    ...expand(filesystem?.allowWrite, 'allowWrite').map((grant) => ({ ...grant, isWritable: true })),
    ...expand(context.extraReadOnly, 'extraReadOnly').map((grant) => ({ ...grant, isWritable: false })),
    ...expand(context.extraReadWrite, 'extraReadWrite').map((grant) => ({ ...grant, isWritable: true })),
  ];
  const denies: DenyRequest[] = [
    ...expand(filesystem?.denyRead, 'denyRead').map((deny) => ({ ...deny, isReadDenied: true })),
    ...expand(filesystem?.denyWrite, 'denyWrite').map((deny) => ({ ...deny, isReadDenied: false })),
  ];
  return { grants, denies };
}
