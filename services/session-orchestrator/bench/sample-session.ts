// One container-start sample's session, set up as a session's first turn is (src/domain/container/):
// prepareAgentSessionFiles for its own folders and agent state, the socket folder with a real MCP socket server
// (empty catalog: the measured turn needs no tools) and a real egress relay to the stand-in egress, and the create
// options of its container (agentContainerOptions with the adapter's batch command). Every sample opens a fresh one,
// because a session's first turn starts from nothing; reusing one would measure a warm start instead.
import { rmSync } from 'node:fs';
import type { ContainerCreateOptions } from 'dockerode';
import type { AgentAdapter } from '../dist/domain/agents/agent-adapter.js';
import { prepareAgentSessionFiles } from '../dist/domain/container/agent-session-files.js';
import {
  agentContainerName,
  agentContainerOptions,
  type ContainerLimits,
  type ContainerUser,
} from '../dist/domain/container/container-spec.js';
import { startEgressRelay } from '../dist/domain/container/egress-relay.js';
import { startMcpSocketServer } from '../dist/domain/container/mcp-socket-server.js';
import { createSocketFolder, removeSocketFolder } from '../dist/domain/container/socket-folder.js';
import { sessionPathsOf } from '../dist/domain/session-files.js';

/** A sample's session, ready for its container to run. */
export interface SampleSession {
  readonly sessionId: string;
  readonly containerName: string;
  /** The container's create options, exactly as a session's; the caller may add labels before `run()`. */
  readonly containerOptions: ContainerCreateOptions;
  /** Stops the MCP socket server and the relay, removes the sockets and the session's folders (container first). */
  close(): Promise<void>;
}

export interface SampleSessionInput {
  /** The folder sessions live in (`$IRONCURTAIN_HOME`); this session's folders go under `sessions/<sessionId>`. */
  readonly home: string;
  readonly sessionId: string;
  readonly proxyToken: string;
  /** The user message of the batch turn. */
  readonly task: string;
  readonly adapter: AgentAdapter;
  readonly image: string;
  readonly user: ContainerUser;
  readonly limits: ContainerLimits;
  /** The session CA the container trusts. */
  readonly caCertificatePem: string;
  /** Where the egress relay forwards to: the stand-in egress on 127.0.0.1. */
  readonly egressPort: number;
  /** Errors of the MCP socket server, which would otherwise go unseen. */
  readonly onError: (error: unknown, what: string) => void;
}

/** Makes the sample's files, sockets and servers; a step that fails leaves them to the bench's `close()`. */
export async function openSampleSession(input: SampleSessionInput): Promise<SampleSession> {
  const { sessionId, adapter, user } = input;
  const paths = sessionPathsOf(input.home, sessionId);
  const facts = { sessionId, sentinel: `sk-ant-ironcurtain-sentinel-${sessionId}` };
  await prepareAgentSessionFiles({
    paths,
    adapter,
    facts,
    user,
    caCertificatePem: input.caCertificatePem,
  });
  const folder = await createSocketFolder(paths.sockets, user);
  const mcp = await startMcpSocketServer({
    socketPath: folder.mcpSocketPath,
    owner: user,
    catalog: { servers: [] },
    callTool: async () => ({ ok: false, message: 'DENIED: bench:session offers no tools' }),
    sandboxPath: paths.sandbox,
    onError: input.onError,
  });
  const relay = await startEgressRelay({
    socketPath: folder.egressSocketPath,
    owner: user,
    target: { host: '127.0.0.1', port: input.egressPort },
  });
  const containerName = agentContainerName(sessionId, 1);
  const containerOptions = agentContainerOptions({
    sessionId,
    adapter,
    image: input.image,
    name: containerName,
    command: adapter.batchCommand({ message: input.task, isResume: false }, facts),
    agentEnvironment: adapter.environment(facts),
    proxyToken: input.proxyToken,
    paths,
    user,
    limits: input.limits,
    hasTerminal: false,
  });
  return {
    sessionId,
    containerName,
    containerOptions,
    async close() {
      await Promise.allSettled([mcp.close(), relay.close()]);
      await removeSocketFolder(paths.sockets).catch(() => undefined);
      rmSync(paths.directory, { recursive: true, force: true });
    },
  };
}
