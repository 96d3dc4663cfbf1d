import { AppError, ErrorCode } from '@ironcurtain/errors';
import {
  checkedNetworkProxy,
  filteredEnvironment,
  filteredUnsetNames,
  networkFilterArguments,
  type NetworkProxyOptions,
} from './network-filter.js';
import type { BubblewrapPlan, SandboxPlan } from './plan-sandbox.js';
import { userNamespaceArguments, type SandboxProbe } from './probe-sandbox.js';

/**
 * What happens when a server cannot be sandboxed. `enforce`: it does not start. `warn`: it starts unsandboxed and
 * the caller logs the returned warning.
 */
export type SandboxPolicy = 'enforce' | 'warn';

/** Options for {@link wrapCommand}. */
export interface WrapOptions {
  /** The server's name in the MCP server config, for messages and `allowUnsandboxed`. */
  serverName?: string;
  /**
   * The complete environment of the server (credentials included). Returned as `env` for the spawn: values are
   * never put on bwrap's command line, where any local user could read them in `ps`.
   */
  env?: Readonly<Record<string, string>>;
  /** Servers whose `sandbox: false` is accepted under `enforce`: a second, deliberate opt-out by the operator. */
  allowUnsandboxed?: readonly string[];
  /**
   * Required when the plan's network is `filtered` (missing: `INTERNAL`, the server does not start): this server's
   * domain proxy socket and the node binary that runs the bridge inside the sandbox.
   */
  networkProxy?: NetworkProxyOptions;
  /**
   * Variables removed inside the sandbox (`--unsetenv`) whatever the spawning process adds, e.g. the HOME, LOGNAME,
   * PATH, SHELL, TERM and USER that the MCP SDK's stdio transport merges into every server's environment. A name
   * that `env` sets is kept: `env` is what the server is meant to get. Only names go on the command line.
   */
  unsetEnvironment?: readonly string[];
}

/** The process to spawn for a server. */
export interface WrappedCommand {
  command: string;
  args: string[];
  /** The exact environment to spawn with: pass it as `spawn`'s `env`, never merged with `process.env`. */
  env: Record<string, string>;
  isSandboxed: boolean;
  /** Set when the server runs unsandboxed: log it loudly. */
  warning?: string;
}

/**
 * Turns a server's command into the command that runs it inside bubblewrap, or decides what to do when it cannot be
 * sandboxed. Under `enforce`, an unavailable sandbox throws `UNAVAILABLE` and `sandbox: false` throws
 * `CONFIG_INVALID` unless the server is listed in `allowUnsandboxed`; under `warn` both run unsandboxed with a
 * warning (and the host's whole network). A `filtered` plan runs `node <bridge> <socket> <port> -- command args…`
 * inside the sandbox, with the domain proxy's socket, the bridge and node bound read-only in
 * `/run/ironcurtain-network`, and `HTTP_PROXY`, `HTTPS_PROXY`, `http_proxy`, `https_proxy` set to the bridge
 * (`NO_PROXY` removed).
 */
export function wrapCommand(
  command: string,
  args: readonly string[],
  plan: SandboxPlan,
  policy: SandboxPolicy,
  probe: SandboxProbe,
  options: WrapOptions = {},
): WrappedCommand {
  const env = { ...options.env };
  const unsandboxed = (warning: string): WrappedCommand => ({
    command,
    args: [...args],
    env,
    isSandboxed: false,
    warning,
  });
  if (plan.kind === 'opted-out') return unsandboxed(optOutWarning(policy, options));
  if (!probe.isAvailable) return unsandboxed(unavailableWarning(probe, policy, options));
  return sandboxed(command, args, plan, probe, options);
}

function sandboxed(
  command: string,
  args: readonly string[],
  plan: BubblewrapPlan,
  probe: SandboxProbe,
  options: WrapOptions,
): WrappedCommand {
  const isFiltered = plan.network.kind === 'filtered';
  const env = isFiltered ? filteredEnvironment(options.env ?? {}) : { ...options.env };
  const unsetNames = (options.unsetEnvironment ?? []).filter(
    (name) => checkedName(name) && !Object.hasOwn(env, name),
  );
  const bwrapArgs = [...userNamespaceArguments(probe), ...plan.bwrapArgs];
  if (!isFiltered) {
    bwrapArgs.push(...unsetArguments(unsetNames));
    return { command: probe.bwrapPath, args: [...bwrapArgs, '--', command, ...args], env, isSandboxed: true };
  }
  const filter = networkFilterArguments(checkedNetworkProxy(options.networkProxy, serverLabel(options)));
  bwrapArgs.push(...unsetArguments([...unsetNames, ...filteredUnsetNames]), ...filter.bwrapArgs);
  return {
    command: probe.bwrapPath,
    args: [...bwrapArgs, '--', ...filter.commandPrefix, command, ...args],
    env,
    isSandboxed: true,
  };
}

function unsetArguments(names: readonly string[]): string[] {
  return [...new Set(names)].flatMap((name) => ['--unsetenv', name]);
}

function checkedName(name: string): boolean {
  if (/^[^=\0]+$/.test(name)) return true;
  throw new AppError(ErrorCode.Internal, `unsetEnvironment: "${name}" is not an environment variable name`);
}

/** `sandbox: false`: refused under enforce unless listed in allowUnsandboxed; else the warning to log. */
function optOutWarning(policy: SandboxPolicy, options: WrapOptions): string {
  const server = serverLabel(options);
  const isAllowed =
    options.serverName !== undefined && options.allowUnsandboxed?.includes(options.serverName);
  if (policy === 'enforce' && isAllowed !== true) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${server} has "sandbox": false in mcp-servers.json, which sandboxPolicy "enforce" refuses: remove that ` +
        `line to sandbox it, add its name to allowUnsandboxed to accept running it without an OS sandbox, or set ` +
        `sandboxPolicy to "warn"`,
    );
  }
  return `UNSANDBOXED: ${server} runs without an OS sandbox ("sandbox": false in mcp-servers.json); it can read and write everything this process can and reach any network host`;
}

/** No working bubblewrap: refused under enforce; else the warning to log. */
function unavailableWarning(probe: SandboxProbe, policy: SandboxPolicy, options: WrapOptions): string {
  const server = serverLabel(options);
  const reason = probe.reason ?? `bubblewrap at ${probe.bwrapPath} does not work`;
  if (policy === 'enforce') {
    throw new AppError(
      ErrorCode.Unavailable,
      `cannot start ${server} in its OS sandbox: ${reason}. Fix: install bubblewrap, enable unprivileged user ` +
        `namespaces, or set sandboxPolicy to "warn" to run MCP servers without an OS sandbox`,
    );
  }
  return `UNSANDBOXED: ${server} runs without an OS sandbox because ${reason}; sandboxPolicy is "warn". It can read and write everything this process can and reach any network host`;
}

function serverLabel(options: WrapOptions): string {
  return options.serverName === undefined ? 'MCP server' : `MCP server "${options.serverName}"`;
}
