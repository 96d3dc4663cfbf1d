import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { SandboxMount } from './sandbox-mount.js';
import { isPathWithin } from './sandbox-paths.js';

/**
 * A sandbox's network. `none`: an empty network namespace, loopback only. `filtered`: the same, plus a bridge on
 * 127.0.0.1 to a domain proxy outside (`@ironcurtain/domain-proxy`) that lets through `allowedDomains` only. A
 * sandbox never shares the host's network.
 */
export type SandboxNetwork = { kind: 'none' } | { kind: 'filtered'; allowedDomains: string[] };

/** What `wrapCommand` needs to run a server with a filtered network. */
export interface NetworkProxyOptions {
  /** Host path of the unix socket of this server's domain proxy (it must be listening before the spawn). */
  socketPath: string;
  /** Absolute path of the node binary that runs the bridge inside the sandbox (e.g. `process.execPath`). */
  nodePath: string;
}

/** Absolute path of the network bridge program (`dist/network-bridge.js`) that `wrapCommand` binds into a sandbox. */
export const networkBridgeScriptPath = fileURLToPath(new URL('./network-bridge.js', import.meta.url));

/** Inside the sandbox: a private tmpfs holding the proxy socket, the bridge and node, read-only once mounted. */
export const sandboxNetworkDirectory = '/run/ironcurtain-network';
const sandboxSocketPath = `${sandboxNetworkDirectory}/proxy.sock`;
const sandboxNodePath = `${sandboxNetworkDirectory}/node`;
// .mjs: Node runs it as an ES module even though no package.json says so inside the sandbox.
const sandboxBridgePath = `${sandboxNetworkDirectory}/network-bridge.mjs`;
/** The port of the bridge on the sandbox's own loopback (each sandbox has its own network namespace). */
export const sandboxProxyPort = 3128;

const proxyVariables = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'];
const noProxyVariables = ['NO_PROXY', 'no_proxy'];

/**
 * The tmpfs that will hold the network filter's files. bubblewrap can only create it inside its own tmpfs root: a
 * grant of `/` or `/run` would make it a directory of the host (read-only: bwrap fails; read-write: it would be
 * created on the host), so such a plan is `CONFIG_INVALID`.
 */
export function networkDirectoryMount(mounts: readonly SandboxMount[]): SandboxMount {
  const conflict = mounts.find(
    (mount) =>
      ((mount.kind === 'read-only' || mount.kind === 'read-write') &&
        isPathWithin(sandboxNetworkDirectory, mount.path)) ||
      isPathWithin(mount.path, sandboxNetworkDirectory),
  );
  if (conflict !== undefined) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `a sandbox with network.allowedDomains holds its network filter at ${sandboxNetworkDirectory}, which ` +
        `${conflict.path} (${conflict.origin}) would cover; grant narrower paths than ${conflict.path} in the ` +
        `server's sandbox.filesystem in mcp-servers.json`,
    );
  }
  return { kind: 'tmpfs', path: sandboxNetworkDirectory, origin: 'network-filter' };
}

/** Checks the proxy options of a filtered sandbox; missing ones fail closed. */
export function checkedNetworkProxy(
  networkProxy: NetworkProxyOptions | undefined,
  serverLabel: string,
): NetworkProxyOptions {
  if (networkProxy === undefined) {
    throw new AppError(
      ErrorCode.Internal,
      `${serverLabel} declares network.allowedDomains, so it runs only behind its domain proxy: pass networkProxy ` +
        '{ socketPath, nodePath } to wrapCommand (start the proxy with createDomainProxy from @ironcurtain/domain-proxy)',
    );
  }
  for (const [name, path] of Object.entries(networkProxy)) {
    if (typeof path !== 'string' || !isAbsolute(path)) {
      throw new AppError(
        ErrorCode.Internal,
        `networkProxy.${name} must be an absolute path, got "${String(path)}"`,
      );
    }
  }
  return networkProxy;
}

/**
 * The bubblewrap options that put the filter's files into the sandbox, and the command that runs the server behind
 * the bridge. Appended after the plan's options: the tmpfs is already mounted, and is made read-only last.
 */
export function networkFilterArguments(networkProxy: NetworkProxyOptions): {
  bwrapArgs: string[];
  commandPrefix: string[];
} {
  return {
    bwrapArgs: [
      '--ro-bind',
      networkProxy.socketPath,
      sandboxSocketPath,
      '--ro-bind',
      networkProxy.nodePath,
      sandboxNodePath,
      '--ro-bind',
      networkBridgeScriptPath,
      sandboxBridgePath,
      '--remount-ro',
      sandboxNetworkDirectory,
    ],
    commandPrefix: [sandboxNodePath, sandboxBridgePath, sandboxSocketPath, String(sandboxProxyPort), '--'],
  };
}

/** The server's environment behind the filter: the proxy variables set (they win), no `NO_PROXY`. */
export function filteredEnvironment(env: Readonly<Record<string, string>>): Record<string, string> {
  const filtered: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!noProxyVariables.includes(name)) filtered[name] = value;
  }
  for (const name of proxyVariables) filtered[name] = `http://127.0.0.1:${sandboxProxyPort}`;
  return filtered;
}

/** Names a filtered sandbox always unsets, whatever the spawning process adds to the environment. */
export const filteredUnsetNames: readonly string[] = noProxyVariables;
