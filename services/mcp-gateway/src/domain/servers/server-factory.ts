import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  declaredDomainsOf,
  isContainerEntry,
  type McpConfig,
  type StdioServerEntry,
} from '@ironcurtain/mcp-config';
import { openContainerTransport } from '../containers/container-server.js';
import type { DockerEngine } from '@ironcurtain/docker-engine';
import { launchCommand, type Sandboxing } from './launch-command.js';
import { createManagedServer, type ManagedServer, type ManagedServerOptions } from './managed-server.js';
import {
  resolveContainerEntry,
  resolveServerEntry,
  type EntryResolution,
  type ServerPlacement,
} from './server-entries.js';
import { createServerNetworkFilter, type NetworkFilterSettings } from './server-network-filter.js';
import { createUnavailableServer, notStartedReason } from './unavailable-server.js';

/** Restart delays after a crash: five tries over about 15 s, then the next call tries again. */
export const restartDelaysMs: readonly number[] = [500, 1000, 2000, 4000, 8000];

/** Options of {@link createServerFactory}. */
export interface ServerFactoryOptions {
  servers: ReadonlyMap<string, McpConfig[string]>;
  /** IRONCURTAIN_HOME: session logs go to `sessions/<id>/logs/<server>.log`, the catalog's under `mcp-gateway/`. */
  home: string;
  homeDir: string;
  resolution: Omit<EntryResolution, 'credentials'>;
  credentials: Readonly<Record<string, Readonly<Record<string, string>>>>;
  startTimeoutMs: number;
  sandboxing: Sandboxing;
  /** How the network filters of servers that declare domains run. */
  networkFilter: NetworkFilterSettings;
  /** Where container servers run. */
  docker: DockerEngine;
  onWarning(serverName: string, warning: string): void;
  onStatus(event: {
    serverName: string;
    sessionId: string;
    status: 'up' | 'down' | 'restarting';
    reason: string;
  }): void;
}

/**
 * Builds server instances: one per session and server, and the catalog's. Nothing starts until first used. A stdio
 * server is a process in the OS sandbox, a container server a Docker container; a server missing a credential its
 * entry requires is not started at all, and says why.
 */
export function createServerFactory(options: ServerFactoryOptions) {
  const catalogPlacement: ServerPlacement = {
    sessionId: 'catalog',
    sandboxDir: join(options.home, 'mcp-gateway', 'catalog-sandbox'),
    homeDir: options.homeDir,
  };
  const build = (serverName: string, placement: ServerPlacement, logFile: string, isCatalog: boolean) => {
    const entry = options.servers.get(serverName);
    if (entry === undefined) throw new Error(`server ${serverName} is not configured`);
    const credentials = options.credentials[serverName] ?? {};
    const reason = notStartedReason(serverName, entry, credentials);
    if (reason !== undefined) return createUnavailableServer(serverName, reason);
    const start: Pick<ManagedServerOptions, 'launch' | 'openTransport' | 'onStopped'> = isContainerEntry(
      entry,
    )
      ? {
          openTransport: () =>
            openContainerTransport(
              options.docker,
              resolveContainerEntry(serverName, entry, placement, credentials),
            ),
        }
      : stdioStart(serverName, entry, placement, credentials);
    return createManagedServer({
      serverName,
      label: isCatalog ? 'catalog' : `session ${placement.sessionId}`,
      ...start,
      secrets: Object.values(credentials),
      logFile,
      startTimeoutMs: options.startTimeoutMs,
      ...(isCatalog ? {} : { restartDelaysMs }),
      onStatus: isCatalog
        ? undefined
        : (status, reason) =>
            options.onStatus({ serverName, sessionId: placement.sessionId, status, reason }),
    });
  };
  // A stdio server that declares domains gets a network filter of its own, for the life of the instance.
  const stdioStart = (
    serverName: string,
    entry: StdioServerEntry,
    placement: ServerPlacement,
    credentials: Readonly<Record<string, string>>,
  ): Pick<ManagedServerOptions, 'launch' | 'onStopped'> => {
    const allowedDomains = declaredDomainsOf(entry);
    const filter =
      allowedDomains.length === 0 || entry.sandbox === false
        ? undefined
        : createServerNetworkFilter(options.networkFilter, {
            serverName,
            sessionId: placement.sessionId,
            allowedDomains,
          });
    const launch = async () => {
      // The session-orchestrator makes the sandbox; a server must not fail (or skip its root) for lack of it.
      mkdirSync(placement.sandboxDir, { recursive: true, mode: 0o700 });
      const resolved = resolveServerEntry(serverName, entry, placement, {
        ...options.resolution,
        credentials,
      });
      const socket = await filter?.socketPath();
      const launched = launchCommand(serverName, resolved, placement, options.sandboxing, socket);
      if (launched.warning !== undefined) options.onWarning(serverName, launched.warning);
      return launched;
    };
    return filter === undefined ? { launch } : { launch, onStopped: () => filter.close() };
  };
  return {
    /** The instance of `serverName` for one session. */
    forSession(serverName: string, placement: ServerPlacement): ManagedServer {
      const logFile = join(options.home, 'sessions', placement.sessionId, 'logs', `${serverName}.log`);
      return build(serverName, placement, logFile, false);
    },
    /** A catalog instance: an empty sandbox of its own, no restarts. */
    forCatalog(serverName: string): ManagedServer {
      const logFile = join(options.home, 'mcp-gateway', 'logs', `${serverName}.log`);
      return build(serverName, catalogPlacement, logFile, true);
    },
  };
}
