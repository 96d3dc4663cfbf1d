import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publish, request, serve, serviceOf, subscribe, type Bus } from '@ironcurtain/bus';
import { resolveHome } from '@ironcurtain/config';
import { inspectRepository } from '@ironcurtain/git-guard';
import type { Logger } from '@ironcurtain/log';
import { describeServerNetwork, isContainerEntry, type McpConfig } from '@ironcurtain/mcp-config';
import { probeSandbox } from '@ironcurtain/os-sandbox';
import type { LoadedPolicy } from '@ironcurtain/policy-engine';
import { watchActivePolicy } from '@ironcurtain/policy-store';
import {
  AuditAppendRefusal,
  AuditDecisionDurableEvent,
  EgressSessionHosts,
  McpgwCatalog,
  mcpgwExecuteAt,
  McpgwPrepare,
  McpgwServerEvent,
} from '@ironcurtain/proto-schemas';
import type { RunningService } from '@ironcurtain/runtime';
import type { Config } from './config.js';
import { createCatalog } from './domain/servers/catalog.js';
import { createDockerEngine, type DockerEngine } from '@ironcurtain/docker-engine';
import type { ExecuteDependencies, VerifierAuditRecord } from './domain/calls/execute-call.js';
import { defaultFetchServerPath, loadMcpConfig } from './domain/gateway-settings.js';
import { selectServers } from './domain/servers/server-entries.js';
import { runtimeReadOnlyPaths } from './domain/servers/launch-command.js';
import { createServerFactory } from './domain/servers/server-factory.js';
import { runsGit } from './domain/servers/installed-servers.js';
import {
  runInRepositoryTurn,
  screenRepositories,
  type ScreenedCall,
} from './domain/repository/repository-screen.js';
import { repositoryRoots } from './domain/repository/repository-roots.js';
import { createDecisionCheck } from './domain/calls/decision-check.js';
import { createTrustedSigners } from './domain/calls/trusted-signers.js';
import { createSessionLocks } from './domain/repository/session-locks.js';
import { createServerPool } from './domain/servers/server-pool.js';
import { createProxyServer } from './domain/virtual/proxy-tools.js';
import { createVirtualServers, type VirtualServers } from './domain/virtual/virtual-server.js';
import { createCallMemory } from './domain/calls/call-memory.js';
import { createDurableDecisions } from './domain/calls/durable-decisions.js';
import { createCatalogHandler } from './handlers/catalog.js';
import { createExecuteHandler } from './handlers/execute.js';
import { createPrepareHandler } from './handlers/prepare.js';
import { subscribeToSessionEnds } from './handlers/session-status.js';
import { reportServerReadiness } from './domain/servers/server-readiness.js';

interface Wiring {
  bus: Bus;
  config: Config;
  logger: Logger;
  home: string;
}

/**
 * Wires the mcp-gateway: the MCP servers of the config (one instance per session and server, plus the catalog's),
 * the active policy's annotations from KV, the PDP's keys, and its endpoints: catalog, prepare, and execute addressed
 * to this instance (`mcpgw.execute.v1.<instance id>`), the only subject a decision is executed on.
 */
export function createMcpGatewayService(dependencies: {
  bus: Bus;
  config: Config;
  logger: Logger;
}): RunningService {
  const { bus, config, logger } = dependencies;
  const wiring: Wiring = { ...dependencies, home: resolveHome(config.IRONCURTAIN_HOME) };
  const stops: Array<() => Promise<void> | void> = [];
  return {
    async start() {
      let policy: LoadedPolicy | undefined;
      stops.push(await watchActivePolicy(bus, (loaded) => (policy = loaded), logger));
      const annotationOf = (serverName: string, toolName: string) =>
        policy?.annotations.get(serverName)?.get(toolName);
      // Fresh at every start, with the memory that remembers its decisions' nonces: a decision addressed to an
      // earlier instance (this process before a restart, or another replica) is refused by everyone.
      const instanceId = randomUUID();
      const verifyDecision = createDecisionCheck({
        signers: createTrustedSigners({
          configured: config.MCPGW_TRUSTED_PDP_KEYS,
          keyFile: join(wiring.home, 'keys', 'pdp.pub'),
        }),
        instanceId,
      });
      const virtualServers = createVirtualServers([
        createProxyServer(async (change) =>
          request(bus, EgressSessionHosts, change, {
            timeoutMs: Math.min(config.MCPGW_CALL_TIMEOUT_MS, 10_000),
          }),
        ),
      ]);
      // The servers' network filters listen on unix sockets here: a private folder with a short path.
      const socketDirectory = mkdtempSync(join(tmpdir(), 'ironcurtain-mcpgw-'));
      stops.push(() => rmSync(socketDirectory, { recursive: true, force: true }));
      const { servers, configured, pool, catalog } = await createServers(
        wiring,
        virtualServers,
        socketDirectory,
      );
      const firstListing = catalog.start();
      stops.push(
        () => catalog.stop(),
        () => pool.stopAll('the gateway is stopping'),
      );
      const isGitServer = (serverName: string) => {
        const entry = configured.get(serverName);
        return entry !== undefined && !isContainerEntry(entry) && runsGit(entry.command, entry.args);
      };
      const rootsOf = (serverName: string, sandboxDir: string) =>
        repositoryRoots(configured.get(serverName)?.sandbox, { sandboxDir, homeDir: homedir() });
      const screen = (call: ScreenedCall) =>
        screenRepositories(call, { isGitServer, rootsOf, inspectRepository });
      const locks = createSessionLocks();

      const catalogHandler = createCatalogHandler({
        servers: (serverName) => catalog.servers(serverName),
        annotationOf,
        networkOf: (serverName, isSandboxed) => {
          const entry = configured.get(serverName);
          return entry === undefined
            ? 'none (answered by the gateway itself)'
            : describeServerNetwork(entry, isSandboxed);
        },
        firstListing,
        firstListingWaitMs: Math.min(config.MCPGW_START_TIMEOUT_MS, 4000),
      });
      const prepareHandler = createPrepareHandler({
        serverNames: () => [...servers.keys()],
        policy: () => policy,
        liveTools: (session, serverName) => pool.use(session, serverName, (server) => server.tools()),
        normalizeArguments: virtualServers.normalizeArguments,
        screenRepositories: screen,
        homeDir: homedir(),
        executor: instanceId,
      });
      // Subscribed before execute is served: a decision's durability event can arrive before its execute.
      const durable = createDurableDecisions({
        instanceId,
        waitMs: config.MCPGW_DURABLE_WAIT_MS,
        keepMs: 5 * 60_000,
        maxKept: 50_000,
        now: Date.now,
      });
      const durableEvents = subscribe(bus, AuditDecisionDurableEvent, (event) => durable.take(event));
      stops.push(() => durableEvents.unsubscribe());
      const executeDependencies: ExecuteDependencies = {
        verifyDecision,
        annotationOf,
        normalizeArguments: virtualServers.normalizeArguments,
        withServer: (session, serverName, work) => pool.use(session, serverName, work),
        screenRepositories: screen,
        inRepositoryTurn: (call, work) => runInRepositoryTurn(call, { isGitServer, locks }, work),
        appendAudit: (record) => appendVerifierRecord(wiring, record),
        onAuditFailure: (error) =>
          logger.error({ err: (error as Error).message }, 'a refused call could not be audited'),
        callTimeoutMs: config.MCPGW_CALL_TIMEOUT_MS,
        maxResultBytes: config.MCPGW_MAX_RESULT_BYTES,
        now: () => new Date(),
        newRefusalId: () => randomUUID(),
        calls: createCallMemory({ maxCalls: 50_000, keepResultMs: 10 * 60_000, now: Date.now }),
        awaitDurableDecision: (call) => durable.awaitDurable(call),
      };
      await serve(bus, McpgwCatalog, catalogHandler);
      // Execute first: a prepare reply names the instance subject, which must have its subscriber by then.
      await serve(bus, mcpgwExecuteAt(instanceId), createExecuteHandler(executeDependencies));
      await serve(bus, McpgwPrepare, prepareHandler);
      stops.push(subscribeToSessionEnds(bus, (sessionId, reason) => pool.stopSession(sessionId, reason)));
      logger.info({ servers: [...servers.keys()], instanceId }, 'MCP gateway ready');
    },
    async stop() {
      // Stop answering first, then the servers: no call starts on a server that is going away.
      await (await serviceOf(bus)).stop();
      for (const stop of stops.reverse()) await stop();
      stops.length = 0;
    },
  };
}

/** The configured and virtual servers, the per-session pool and the catalog; nothing is started yet. */
async function createServers(
  { bus, config, logger, home }: Wiring,
  virtualServers: VirtualServers,
  socketDirectory: string,
) {
  const mcp = await loadMcpConfig(config.IRONCURTAIN_MCP_CONFIG);
  const fetchServerPath = config.IRONCURTAIN_FETCH_SERVER ?? defaultFetchServerPath;
  const { servers: configured, skipped } = selectServers(mcp.config, fetchServerPath);
  for (const name of virtualServers.names()) {
    if (configured.has(name)) {
      logger.warn({ serverName: name }, `MCP server "${name}" left out: the gateway serves that name itself`);
      configured.delete(name);
    }
  }
  const servers = new Map<string, { description?: string | undefined }>([
    ...configured,
    ...virtualServers.entries(),
  ]);
  for (const { serverName, reason } of skipped) logger.warn({ serverName, reason }, 'MCP server left out');
  logger.info({ mcpConfig: mcp.path, servers: [...servers.keys()] }, 'MCP server config');
  // Only MCPGW_SERVER_CREDENTIALS: `ironcurtain up` (or compose's .env) hands config.json's credentials over in it.
  const credentials = config.MCPGW_SERVER_CREDENTIALS;
  const docker: DockerEngine = createDockerEngine(config.DOCKER_HOST);
  // Not awaited: the engine's answer only feeds the log; the catalog reports the same reason when it lists.
  void reportServerReadiness(configured, credentials, docker).then((problems) => {
    for (const { serverName, reason } of problems)
      logger.warn({ serverName, reason }, 'MCP server cannot start');
  });
  const factory = createServerFactory({
    servers: configured,
    home,
    homeDir: homedir(),
    resolution: {
      nodePath: process.execPath,
      searchFrom: dirname(fileURLToPath(import.meta.url)),
      fetchServerPath,
    },
    credentials,
    docker,
    startTimeoutMs: config.MCPGW_START_TIMEOUT_MS,
    sandboxing: {
      policy: config.MCPGW_SANDBOX_POLICY,
      probe: await probeSandbox(),
      allowUnsandboxed: config.MCPGW_ALLOW_UNSANDBOXED,
      ironcurtainHome: home,
      runtimeReadOnly: runtimeReadOnlyPaths(process.execPath, dirname(fileURLToPath(import.meta.url))),
      nodePath: process.execPath,
    },
    networkFilter: {
      socketDirectory,
      allowedAddresses: config.MCPGW_SERVER_ALLOW_ADDRESSES,
      resolvedHosts: config.MCPGW_SERVER_RESOLVE,
      onDecision: ({ isAllowed, ...decision }) => {
        if (isAllowed) logger.debug(decision, 'MCP server network: connection let through');
        else logger.warn(decision, 'MCP server network: connection refused');
      },
    },
    onWarning: (serverName, warning) => logger.warn({ serverName }, warning),
    onStatus: ({ sessionId, ...event }) => {
      logger.info({ sessionId, ...event }, 'MCP server status');
      publish(bus, McpgwServerEvent, event, { sessionId });
    },
  });
  const pool = createServerPool({
    homeDir: homedir(),
    idleTimeoutMs: config.MCPGW_IDLE_TIMEOUT_MS,
    createServer: (serverName, placement) =>
      virtualServers.instanceFor(serverName, placement.sessionId) ??
      factory.forSession(serverName, placement),
  });
  const catalog = createCatalog({
    servers,
    createCatalogServer: (serverName) =>
      virtualServers.instanceFor(serverName, 'catalog') ?? factory.forCatalog(serverName),
    retryDelaysMs: [1000, 5000, 15_000, 60_000],
    onStatus: (serverName, status, reason) => {
      logger.info({ serverName, status, reason }, 'MCP server catalog');
      if (status === 'down') publish(bus, McpgwServerEvent, { serverName, status, reason });
    },
  });
  return { servers, configured: configured as ReadonlyMap<string, McpConfig[string]>, pool, catalog };
}

async function appendVerifierRecord({ bus, config }: Wiring, record: VerifierAuditRecord): Promise<void> {
  await request(bus, AuditAppendRefusal, { record }, { timeoutMs: config.MCPGW_AUDIT_TIMEOUT_MS });
}
