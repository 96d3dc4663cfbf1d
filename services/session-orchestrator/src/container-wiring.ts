import { request, type Bus } from '@ironcurtain/bus';
import { agentsDirectory, ensureAgentImage } from '@ironcurtain/agent-images';
import { createDockerEngine } from '@ironcurtain/docker-engine';
import { EgressSessionOpen, McpgwCatalog } from '@ironcurtain/proto-schemas';
import { createAgentContainers } from './adapters/agent-containers.js';
import type { Config } from './config.js';
import {
  openContainerSession,
  type ContainerSessionRequest,
  type ContainerSessionsDependencies,
} from './domain/container/container-sessions.js';
import type { ContainerSessionHost } from './domain/container/container-session-host.js';

/** The desk's way to open external agent sessions: Docker, the agent images, the egress and the gateway's catalog. */
export function wireContainerSessions(
  settings: { bus: Bus; config: Config; home: string },
  desk: Pick<
    ContainerSessionsDependencies,
    'saveRecord' | 'publishOutput' | 'publishStatus' | 'onError' | 'now'
  >,
): (request: ContainerSessionRequest) => Promise<ContainerSessionHost> {
  const { bus, config } = settings;
  const engine = createDockerEngine(config.DOCKER_HOST);
  const egress = new URL(config.ORCH_EGRESS_URL);
  const dependencies: ContainerSessionsDependencies = {
    ...desk,
    home: settings.home,
    configuredUser: config.ORCH_AGENT_USER,
    limits: {
      memoryMb: config.ORCH_AGENT_MEMORY_MB,
      cpus: config.ORCH_AGENT_CPUS,
      pids: config.ORCH_AGENT_PIDS,
    },
    egressTarget: { host: egress.hostname, port: Number(egress.port === '' ? 80 : egress.port) },
    ensureImage: (adapter) =>
      ensureAgentImage(engine, adapter.imageFolder, {
        agentsDirectory: agentsDirectory({ IRONCURTAIN_AGENTS_DIR: config.IRONCURTAIN_AGENTS_DIR }),
      }),
    containersFor: (adapter) => createAgentContainers(engine, adapter.name),
    openEgressSession: (sessionId) => request(bus, EgressSessionOpen, { sessionId }, { sessionId }),
    fetchCatalog: () => request(bus, McpgwCatalog, {}, { timeoutMs: config.ORCH_CATALOG_TIMEOUT_MS }),
  };
  return (sessionRequest) => openContainerSession(dependencies, sessionRequest);
}
