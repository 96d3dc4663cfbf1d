import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { ContainerServerEntry, McpConfig, StdioServerEntry } from '@ironcurtain/mcp-config';
import type { ContainerSpec } from '../containers/container-options.js';
import { resolveInstalledCommand, runsGit } from './installed-servers.js';
import { repositoryRoots } from '../repository/repository-roots.js';
import { serverEnvironment } from './server-environment.js';

type Entry = McpConfig[string];
type Sandbox = Entry['sandbox'];

/** Where a server instance runs: one session's sandbox (or the catalog's empty one). */
export interface ServerPlacement {
  /** The session id, or `catalog` for the session-independent instance that lists tools. */
  sessionId: string;
  /** `${IRONCURTAIN_SANDBOX}`: the session sandbox on the host. */
  sandboxDir: string;
  /** Where `~` points. */
  homeDir: string;
}

/** A server's entry with every placeholder filled, `~` expanded and its command runnable offline. */
export interface ResolvedServerEntry {
  serverName: string;
  description?: string | undefined;
  command: string;
  args: string[];
  /** The server's whole environment ({@link serverEnvironment}); only this server's process sees it. */
  env: Record<string, string>;
  /** The OS sandbox the config asks for, paths resolved (for libs/os-sandbox). */
  sandbox: Sandbox;
}

/** What resolving needs besides the placement. */
export interface EntryResolution {
  nodePath: string;
  /** Where to look for installed server packages (node_modules above it). */
  searchFrom: string;
  /** `${IRONCURTAIN_FETCH_SERVER}`. */
  fetchServerPath: string;
  credentials: Readonly<Record<string, string>>;
}

/**
 * The servers this gateway runs: every entry of the config, except one that needs the fetch server while its entry
 * file is missing (the fetch server is built in this repository; until it is, its entry is left out with a reason).
 */
export function selectServers(
  config: McpConfig,
  fetchServerPath: string,
): { servers: Map<string, Entry>; skipped: Array<{ serverName: string; reason: string }> } {
  const servers = new Map<string, Entry>();
  const skipped: Array<{ serverName: string; reason: string }> = [];
  for (const [serverName, entry] of Object.entries(config)) {
    const needsFetch = JSON.stringify(entry).includes('${IRONCURTAIN_FETCH_SERVER}');
    if (needsFetch && !existsSync(fetchServerPath)) {
      skipped.push({
        serverName,
        reason: `${fetchServerPath} does not exist (build mcp-servers/fetch or set IRONCURTAIN_FETCH_SERVER)`,
      });
      continue;
    }
    servers.set(serverName, entry);
  }
  return { servers, skipped };
}

/** One stdio server's entry for one placement. Throws CONFIG_INVALID with the server and the fix. */
export function resolveServerEntry(
  serverName: string,
  entry: StdioServerEntry,
  placement: ServerPlacement,
  resolution: EntryResolution,
): ResolvedServerEntry {
  const values: Record<string, string> = {
    IRONCURTAIN_SANDBOX: placement.sandboxDir,
    IRONCURTAIN_FETCH_SERVER: resolution.fetchServerPath,
  };
  const fill = (text: string): string =>
    expandHome(fillPlaceholders(serverName, text, values), placement.homeDir);
  const sandbox = resolveSandbox(entry.sandbox, fill);
  const installed = resolveInstalledCommand(serverName, fill(entry.command), entry.args.map(fill), {
    nodePath: resolution.nodePath,
    searchFrom: resolution.searchFrom,
  });
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(entry.env ?? {}))
    env[name] = fillPlaceholders(serverName, value, values);
  return {
    serverName,
    description: entry.description,
    command: installed.command,
    args: installed.args,
    env: serverEnvironment(env, resolution.credentials, {
      runsGit: runsGit(entry.command, entry.args),
      ceilingDirectories: repositoryRoots(sandbox, placement).ceilings,
    }),
    sandbox,
  };
}

/**
 * One container server's entry for one placement. Nothing is filled in: a container sees no host path, so
 * `${IRONCURTAIN_SANDBOX}` and `~` mean nothing there. The credentials join its `env`, and go nowhere else.
 */
export function resolveContainerEntry(
  serverName: string,
  entry: ContainerServerEntry,
  placement: ServerPlacement,
  credentials: Readonly<Record<string, string>>,
): ContainerSpec {
  const { image, args, env, network, user, memoryMb, pidsLimit } = entry.container;
  return {
    serverName,
    sessionId: placement.sessionId,
    image,
    args: [...args],
    env: { ...env, ...credentials },
    network,
    user,
    memoryMb,
    pidsLimit,
  };
}

function resolveSandbox(sandbox: Sandbox, fill: (text: string) => string): Sandbox {
  if (sandbox === undefined || sandbox === false || sandbox.filesystem === undefined) return sandbox;
  const filesystem = sandbox.filesystem;
  return {
    ...sandbox,
    filesystem: {
      allowRead: filesystem.allowRead.map(fill),
      allowWrite: filesystem.allowWrite.map(fill),
      denyRead: filesystem.denyRead.map(fill),
      denyWrite: filesystem.denyWrite.map(fill),
    },
  };
}

function fillPlaceholders(
  serverName: string,
  text: string,
  values: Readonly<Record<string, string>>,
): string {
  return text.replaceAll(/\$\{([A-Z0-9_]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value !== undefined) return value;
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `server "${serverName}": unknown placeholder \${${name}} (known: ${Object.keys(values)
        .map((known) => `\${${known}}`)
        .join(', ')})`,
    );
  });
}

function expandHome(text: string, homeDir: string): string {
  if (text === '~') return homeDir;
  return text.startsWith('~/') ? join(homeDir, text.slice(2)) : text;
}
