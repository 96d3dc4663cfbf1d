import type { BudgetTracker, TurnOutcome } from '@ironcurtain/agent';
import type { ToolCall, ToolCallOutcome } from '@ironcurtain/code-mode';
import { agentToolsReadyNotePrefix } from '@ironcurtain/proto-schemas';
import type { AgentContainers } from '../../adapters/agent-containers.js';
import type { AgentAdapter, AgentSessionFacts } from '../agents/agent-adapter.js';
import { adapterOf } from '../agents/agent-registry.js';
import type { OutputNote } from '../output-notes.js';
import type { SessionPaths } from '../session-files.js';
import type { SessionRecord } from '../session-record.js';
import { prepareAgentSessionFiles, resolveAgentUser } from './agent-session-files.js';
import { createContainerSessionHost, type ContainerSessionHost } from './container-session-host.js';
import { agentContainerName, agentContainerOptions, type ContainerLimits } from './container-spec.js';
import { startEgressRelay } from './egress-relay.js';
import { startMcpSocketServer } from './mcp-socket-server.js';
import { reachableTools, type AnnotatedCatalog } from './reachable-tools.js';
import { createSocketFolder, removeSocketFolder } from './socket-folder.js';
import { startTerminalSessionHost } from './terminal-session-host.js';

type Status = SessionRecord['status'];

/** The session at the egress: sentinels per provider, the proxy token, and the CA certificate to trust. */
export interface EgressSession {
  sentinels: Record<string, string>;
  proxyToken: string;
  caCertificatePem: string;
}

/** What container sessions need from the outside; the service wires each to Docker, the bus and the config. */
export interface ContainerSessionsDependencies {
  home: string;
  /** `ORCH_AGENT_USER`, if set. */
  configuredUser: string | undefined;
  limits: ContainerLimits;
  /** Where the egress listens (TCP), for the per-session relay socket. */
  egressTarget: { host: string; port: number };
  /** The agent's image tag, built on first use. */
  ensureImage(adapter: AgentAdapter): Promise<string>;
  containersFor(adapter: AgentAdapter): AgentContainers;
  openEgressSession(sessionId: string): Promise<EgressSession>;
  fetchCatalog(): Promise<AnnotatedCatalog>;
  saveRecord(record: SessionRecord): Promise<void>;
  publishOutput(sessionId: string, note: OutputNote, turn: number): void;
  publishStatus(
    sessionId: string,
    status: Status,
    details: { reason?: string; turn?: number; turnOutcome?: TurnOutcome },
  ): void;
  onError(error: unknown, what: string, sessionId: string): void;
  now(): Date;
}

/** What opening one container session needs from the desk. */
export interface ContainerSessionRequest {
  record: SessionRecord;
  paths: SessionPaths;
  budget: BudgetTracker;
  task: string | undefined;
  /** The session's tool bridge (to `pdp.toolcall.v1`), given the user's latest message as context. */
  callToolFor(latestUserMessage: () => string | undefined): (call: ToolCall) => Promise<ToolCallOutcome>;
  /** The desk's part of the end: forget the host, revoke the egress keys. */
  onEnded(): Promise<void>;
}

/**
 * Opens an external agent session: its user, folders and orientation files, the egress session, the two sockets
 * (MCP and egress relay) in the folder mounted at /run/ironcurtain, and the host (batch turns or the PTY). When the
 * session ends, by any path, its containers are removed and both sockets and their folder go.
 */
export async function openContainerSession(
  deps: ContainerSessionsDependencies,
  request: ContainerSessionRequest,
): Promise<ContainerSessionHost> {
  const { record, paths } = request;
  const sessionId = record.sessionId;
  const adapter = adapterOf(record.agent);
  const user = await resolveAgentUser(deps.configuredUser, deps.home);
  const egress = await deps.openEgressSession(sessionId);
  const facts: AgentSessionFacts = {
    sessionId,
    model: modelNameOf(record.model),
    sentinel: egress.sentinels[adapter.provider] ?? '',
  };
  const catalog = reachableTools(await deps.fetchCatalog());
  await prepareAgentSessionFiles({ paths, adapter, facts, user, caCertificatePem: egress.caCertificatePem });
  const containers = deps.containersFor(adapter);
  await containers.removeSessionContainers(sessionId); // left by a crashed orchestrator
  await createSocketFolder(paths.sockets, user);
  let latest: () => string | undefined = () => request.task;
  let hasAnnouncedTools = false;
  const mcp = await startMcpSocketServer({
    socketPath: `${paths.sockets}/mcp.sock`,
    owner: user,
    catalog,
    callTool: request.callToolFor(() => latest()),
    sandboxPath: paths.sandbox,
    onError: (error, what) => deps.onError(error, what, sessionId),
    // Said once per session: the PTY client waits for it before typing the first task.
    onToolsListed: (toolCount) => {
      if (hasAnnouncedTools) return;
      hasAnnouncedTools = true;
      deps.publishOutput(
        sessionId,
        { kind: 'system', text: toolsReadyNote(adapter, toolCount) },
        record.turn + 1,
      );
    },
  });
  const relay = await startEgressRelay({
    socketPath: `${paths.sockets}/egress.sock`,
    owner: user,
    target: deps.egressTarget,
  });
  let isReleased = false;
  const release = async (): Promise<void> => {
    if (isReleased) return;
    isReleased = true;
    await containers.removeSessionContainers(sessionId).catch((error: unknown) => {
      deps.onError(error, 'remove the session containers', sessionId);
    });
    await Promise.allSettled([mcp.close(), relay.close()]);
    await removeSocketFolder(paths.sockets).catch(() => undefined);
    await request.onEnded();
  };
  const image = deps.ensureImage(adapter);
  image.catch(() => undefined); // awaited by the first turn; a failure is reported there
  const optionsFor = async (name: string, command: string[], hasTerminal: boolean) =>
    agentContainerOptions({
      sessionId,
      adapter,
      image: await image,
      name,
      command,
      agentEnvironment: adapter.environment(facts),
      proxyToken: egress.proxyToken,
      paths,
      user,
      limits: deps.limits,
      hasTerminal,
    });
  const common = {
    budget: request.budget,
    memoryLimitMb: deps.limits.memoryMb,
    saveRecord: deps.saveRecord,
    publishOutput: (note: OutputNote, turn: number) => deps.publishOutput(sessionId, note, turn),
    publishStatus: (status: Status, details: Parameters<ContainerSessionsDependencies['publishStatus']>[2]) =>
      deps.publishStatus(sessionId, status, details),
    release,
    onError: (error: unknown, what: string) => deps.onError(error, what, sessionId),
    now: deps.now,
  };
  try {
    if (record.mode === 'pty') {
      const name = agentContainerName(sessionId, 'pty');
      const host = await startTerminalSessionHost({
        ...common,
        record: { ...record, containerName: name },
        agentDisplayName: adapter.displayName,
        task: request.task,
        startContainer: async (signal) =>
          containers.startWithTerminal(
            // The task is typed into the TUI by the attached terminal once it is ready (see the CLI's pty-session).
            await optionsFor(name, adapter.interactiveCommand(undefined, facts), true),
            signal,
          ),
      });
      latest = () => host.latestUserMessage();
      return host;
    }
    const host = createContainerSessionHost({
      ...common,
      record,
      adapter,
      facts,
      runTurn: async (turn, signal) =>
        containers.run(
          await optionsFor(
            agentContainerName(sessionId, turn.number),
            adapter.batchCommand(turn, facts),
            false,
          ),
          signal,
        ),
    });
    latest = () => host.latestUserMessage();
    return host;
  } catch (error) {
    await release();
    throw error;
  }
}

// Published once per session, when the agent first lists its tools (see agentToolsReadyNotePrefix).
function toolsReadyNote(adapter: AgentAdapter, toolCount: number): string {
  return `${agentToolsReadyNotePrefix} ${adapter.displayName} has ${toolCount} tools`;
}

/** The model of a container session that names none: the agent CLI's own default. */
export const agentDefaultModel = 'default';

// `anthropic:claude-sonnet-4-6` → `claude-sonnet-4-6`; the agent's own default when the session names none.
function modelNameOf(modelId: string): string | undefined {
  if (modelId === agentDefaultModel) return undefined;
  const separator = modelId.indexOf(':');
  const name = separator < 0 ? modelId : modelId.slice(separator + 1);
  return name === '' ? undefined : name;
}
