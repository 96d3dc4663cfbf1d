import { join } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { McpConfig } from '@ironcurtain/mcp-config';
import { byDepthThenPath, layoutMounts, type DenyRequest, type GrantRequest } from './mount-layout.js';
import { networkDirectoryMount, type SandboxNetwork } from './network-filter.js';
import type { SandboxMount, SandboxMountOrigin } from './sandbox-mount.js';
import { expandSandboxPath, resolveHostPath, type PathPlaceholders } from './sandbox-paths.js';
import { mountArguments } from './mount-arguments.js';
import { protectedPaths, systemViewMounts } from './system-view.js';

/** A server entry's `sandbox` setting from the MCP server config (`false` = the operator opted out). */
export type McpSandboxConfig = McpConfig[string]['sandbox'];

/** Where this server runs: the paths the config's placeholders stand for and what the server needs to start. */
export interface SandboxContext {
  /** This session's sandbox directory (`${IRONCURTAIN_SANDBOX}`); must exist. Read-write. */
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

/** Where a sandboxed server starts: its own empty tmpfs, which nothing outside the sandbox can write. */
export const privateWorkingDirectory = '/tmp';

/** A server that runs inside bubblewrap: the arguments that build its sandbox and what they amount to. */
export interface BubblewrapPlan {
  kind: 'bubblewrap';
  /** bubblewrap options, without the user-namespace flags (see `wrapCommand`), the `--` and the command. */
  bwrapArgs: string[];
  /** The mount layout the arguments build, in order. */
  mounts: SandboxMount[];
  /**
   * The sandbox's network: `none` (an empty network namespace, loopback only), or `filtered` when the config
   * declares a non-empty `network.allowedDomains`: the same empty namespace, plus a bridge to the domain proxy the
   * caller runs for these domains (see `wrapCommand`'s `networkProxy`). Never the host's network.
   */
  network: SandboxNetwork;
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
 * gets the strictest sandbox: the session sandbox only, no network. No sandbox shares the host's network: one that
 * declares domains gets a filtered network, and a tmpfs at `/run/ironcurtain-network` for its filter (a grant of
 * `/` or `/run` then is `CONFIG_INVALID`).
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
  const network = networkOf(config);
  const ironcurtainHome = context.ironcurtainHome ?? join(context.homeDir, '.ironcurtain');
  const layout = layoutMounts({
    system: systemViewMounts(),
    sessionSandboxDir: sessionSandbox.realPath,
    grants,
    denies,
    protectedPaths: protectedPaths(context.homeDir, ironcurtainHome).map(resolveHostPath),
  });
  const mounts =
    network.kind === 'filtered'
      ? [...layout.mounts, networkDirectoryMount(layout.mounts)].sort(byDepthThenPath)
      : layout.mounts;
  // --unshare-all includes the network namespace; there is deliberately no --share-net.
  const bwrapArgs = [
    '--unshare-all',
    '--cap-drop',
    'ALL',
    '--die-with-parent',
    '--new-session',
    ...mountArguments(mounts),
    // The private /tmp, never the session sandbox: a server must not implicitly read what the agent wrote there
    // just because it sits in its working directory (a `.env` that dotenv loads, an `.npmrc`, a `.git`).
    '--chdir',
    privateWorkingDirectory,
  ];
  return {
    kind: 'bubblewrap',
    bwrapArgs,
    mounts,
    network,
    sessionSandboxDir: sessionSandbox.realPath,
    warnings: layout.warnings,
  };
}

/** `filtered` for a non-empty `network.allowedDomains`; anything else has no network. */
function networkOf(config: Exclude<McpSandboxConfig, false>): SandboxNetwork {
  const network = config?.network;
  if (network === undefined || network === false || network.allowedDomains.length === 0)
    return { kind: 'none' };
  return { kind: 'filtered', allowedDomains: [...network.allowedDomains] };
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
