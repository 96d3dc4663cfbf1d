import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { planSandbox, wrapCommand, type SandboxPolicy, type SandboxProbe } from '@ironcurtain/os-sandbox';
import type { ResolvedServerEntry, ServerPlacement } from './server-entries.js';
import { inheritedNamesToUnset } from './server-environment.js';

/** How one server process is started. */
export interface ServerLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** The session sandbox, so relative paths land where the policy assumed they would. */
  cwd: string;
  /** Whether an OS sandbox confines the process; reported in the catalog and in every execute reply. */
  isSandboxed: boolean;
  /** Set when the server runs without the sandbox its config asks for (`warn` policy); the caller logs it. */
  warning?: string | undefined;
}

/** How servers are sandboxed: decided once when the gateway starts. */
export interface Sandboxing {
  policy: SandboxPolicy;
  probe: SandboxProbe;
  /** Servers the operator allows to run unsandboxed under `enforce` (their config says `sandbox: false`). */
  allowUnsandboxed: readonly string[];
  /** IRONCURTAIN_HOME: hidden from every server except the session's own sandbox. */
  ironcurtainHome: string;
  /** What every server needs to run, read-only: the Node installation and the installed packages (see below). */
  runtimeReadOnly: readonly string[];
  /** The Node binary that runs the network bridge inside a sandbox with a network filter. */
  nodePath: string;
}

/**
 * The command that starts a server inside its OS sandbox (bubblewrap, libs/os-sandbox): the session sandbox
 * read-write, what its config grants, the runtime read-only, an empty network namespace, and — when it declares
 * domains — its network filter's socket (`networkFilterSocket`) as its only way out. Its environment is exactly
 * `entry.env`: what the MCP SDK would add from the gateway's is unset. Under `enforce` a server that cannot be
 * sandboxed does not start (the error says how to fix it); under `warn` it runs unsandboxed with a warning, and
 * `isSandboxed: false` travels into the catalog and every execute reply.
 */
export function launchCommand(
  serverName: string,
  entry: ResolvedServerEntry,
  session: ServerPlacement,
  sandboxing: Sandboxing,
  networkFilterSocket?: string,
): ServerLaunch {
  const plan = planSandbox(withRuntimeSecretsHidden(entry.sandbox, sandboxing.runtimeReadOnly), {
    sessionSandboxDir: session.sandboxDir,
    homeDir: session.homeDir,
    ironcurtainHome: sandboxing.ironcurtainHome,
    extraReadOnly: sandboxing.runtimeReadOnly,
  });
  const wrapped = wrapCommand(entry.command, entry.args, plan, sandboxing.policy, sandboxing.probe, {
    serverName,
    env: entry.env,
    allowUnsandboxed: [...sandboxing.allowUnsandboxed],
    unsetEnvironment: inheritedNamesToUnset(entry.env),
    ...(networkFilterSocket === undefined
      ? {}
      : { networkProxy: { socketPath: networkFilterSocket, nodePath: sandboxing.nodePath } }),
  });
  return {
    command: wrapped.command,
    args: wrapped.args,
    env: wrapped.env,
    cwd: session.sandboxDir,
    isSandboxed: wrapped.isSandboxed,
    warning: wrapped.warning,
  };
}

/**
 * The read-only runtime of the servers: the Node installation the gateway runs on, and the outermost folder above
 * `searchFrom` that holds a `node_modules` (the installation or checkout: packages, workspace libs they link to,
 * the fetch server). A `.env` there is hidden from the servers (see {@link launchCommand}).
 */
export function runtimeReadOnlyPaths(nodePath: string, searchFrom: string): string[] {
  let installation: string | undefined;
  for (let directory = searchFrom; ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'node_modules'))) installation = directory;
    if (dirname(directory) === directory) break;
  }
  const nodePrefix = dirname(dirname(nodePath));
  return [...new Set([nodePrefix, ...(installation === undefined ? [] : [installation])])];
}

// The runtime folders are shown read-only; a `.env` in them (an operator's secrets) must not be.
function withRuntimeSecretsHidden(
  sandbox: ResolvedServerEntry['sandbox'],
  runtimeReadOnly: readonly string[],
): ResolvedServerEntry['sandbox'] {
  if (sandbox === false) return sandbox;
  const secrets = runtimeReadOnly
    .map((directory) => join(directory, '.env'))
    .filter((path) => existsSync(path));
  if (secrets.length === 0) return sandbox;
  const filesystem = sandbox?.filesystem ?? { allowRead: [], allowWrite: [], denyRead: [], denyWrite: [] };
  return { ...sandbox, filesystem: { ...filesystem, denyRead: [...filesystem.denyRead, ...secrets] } };
}
