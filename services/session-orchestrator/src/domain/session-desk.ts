import { randomBytes } from 'node:crypto';
import {
  createBudgetTracker,
  parseConversation,
  type BudgetEvent,
  type BudgetSnapshot,
  type BudgetLimits,
  type TurnOutcome,
} from '@ironcurtain/agent';
import {
  createCodeRunner,
  type ToolCall,
  type ToolCallOutcome,
  type ToolCatalog,
} from '@ironcurtain/code-mode';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { OutputNote } from './output-notes.js';
import type { ContainerSessionHost } from './container/container-session-host.js';
import { agentDefaultModel, type ContainerSessionRequest } from './container/container-sessions.js';
import {
  createSessionDirectories,
  readConversation,
  sessionPathsOf,
  type SessionPaths,
} from './session-files.js';
import { createSessionHost, type SessionHost } from './session-host.js';
import type { SessionModel } from './session-model.js';
import type { SessionRecord } from './session-record.js';
import { createToolBridge, type ToolBridgeOptions } from './tool-bridge.js';

type Status = SessionRecord['status'];

/** What the desk needs from the outside world; the service wires each to NATS, KV or the config. */
export interface SessionDeskDependencies {
  home: string;
  defaultModel: string;
  sessionLimits: BudgetLimits;
  turnLimits: BudgetLimits;
  codeLimits: { memoryLimitMb: number; timeLimitMs: number };
  loadRecord(sessionId: string): Promise<SessionRecord | undefined>;
  saveRecord(record: SessionRecord): Promise<void>;
  listRecords(): Promise<SessionRecord[]>;
  fetchCatalog(): Promise<ToolCatalog>;
  createModel(sessionId: string, modelId: string): Promise<SessionModel>;
  closeEgressSession(sessionId: string): Promise<void>;
  requestToolCall: ToolBridgeOptions['requestToolCall'];
  publishOutput(sessionId: string, note: OutputNote, turn: number): void;
  publishStatus(
    sessionId: string,
    status: Status,
    details: { reason?: string; turn?: number; turnOutcome?: TurnOutcome },
  ): void;
  publishBudget(sessionId: string, event: BudgetEvent): void;
  onError(error: unknown, what: string, sessionId: string): void;
  now(): Date;
  /** External agents in containers; absent where no Docker engine is configured. */
  openContainerSession?(request: ContainerSessionRequest): Promise<ContainerSessionHost>;
}

/** A start request, as `session.start.v1` carries it. */
export interface StartRequest {
  task?: string | undefined;
  model?: string | undefined;
  resumeSessionId?: string | undefined;
  agent: string;
  mode?: 'batch' | 'pty' | undefined;
  userId?: string | undefined;
}

/** The sessions this orchestrator hosts, by id. */
export interface SessionDesk {
  start(request: StartRequest): Promise<SessionRecord>;
  send(sessionId: string, message: string): number;
  stop(sessionId: string, reason: string): Promise<SessionRecord>;
  list(userId?: string): Promise<SessionRecord[]>;
  /** The budget of a hosted session, as `/budget` shows it. */
  budget(sessionId: string): BudgetSnapshot;
  /** Counts usage reported by the egress for a hosted session; false when the session is not hosted here. */
  recordUsage(
    sessionId: string,
    usage: { inputTokens: number; outputTokens: number; model: string; provider: string },
  ): boolean;
  /** Stops every hosted session (service shutdown); their records say `stopped` and they can be resumed. */
  stopAll(reason: string): Promise<void>;
}

/** Creates the desk. Sessions live in memory while hosted; their records (KV) and files make them resumable. */
export function createSessionDesk(deps: SessionDeskDependencies): SessionDesk {
  const hosts = new Map<
    string,
    { host: SessionHost; budget: ReturnType<typeof createBudgetTracker>; container?: ContainerSessionHost }
  >();

  const hosted = (sessionId: string) => {
    const entry = hosts.get(sessionId);
    if (entry === undefined) {
      throw new AppError(
        ErrorCode.NotFound,
        `no running session ${sessionId}; resume it with session.start (resumeSessionId)`,
      );
    }
    return entry;
  };

  // The record a session starts (or resumes) with, and its budget, counting on from where a resumed one stopped.
  const begin = (
    request: StartRequest,
    previous: SessionRecord | undefined,
    session: Pick<SessionRecord, 'sessionId' | 'model' | 'agent' | 'mode'> & {
      usageSource: 'agent' | 'external';
    },
  ) => {
    const at = deps.now().toISOString();
    const userId = request.userId ?? previous?.userId;
    const { usageSource, ...fields } = session;
    const record: SessionRecord = {
      ...fields,
      status: 'waiting',
      createdAt: previous?.createdAt ?? at,
      updatedAt: at,
      turn: previous?.turn ?? 0,
      ...(userId === undefined ? {} : { userId }),
      ...(previous?.budgetUsage === undefined ? {} : { budgetUsage: previous.budgetUsage }),
    };
    const budget = createBudgetTracker({
      session: deps.sessionLimits,
      turn: deps.turnLimits,
      usageSource,
      ...(previous?.budgetUsage === undefined ? {} : { initialUsage: previous.budgetUsage }),
      onEvent: (event) => deps.publishBudget(session.sessionId, event),
    });
    return { record, budget };
  };

  const open = async (request: StartRequest, previous: SessionRecord | undefined): Promise<SessionRecord> => {
    const agent = previous?.agent ?? request.agent;
    const sessionId = previous?.sessionId ?? newSessionId(deps.now());
    const paths = sessionPathsOf(deps.home, sessionId);
    await createSessionDirectories(paths);
    if (agent !== 'builtin') return openContainer(request, previous, { sessionId, agent, paths });
    const modelId = request.model ?? previous?.model ?? deps.defaultModel;
    const catalog = await deps.fetchCatalog();
    const sessionModel = await deps.createModel(sessionId, modelId);
    const { record, budget } = begin(request, previous, {
      sessionId,
      model: modelId,
      agent: 'builtin',
      mode: 'batch',
      usageSource: sessionModel.usageSource,
    });
    const userId = record.userId;
    // Checked, not cast: a damaged conversation file is a clear error, not a confused model.
    const messages = parseConversation(await readConversation(paths));
    const host = createSessionHost({
      record,
      paths,
      model: sessionModel.model,
      catalog,
      budget,
      messages,
      createRunner: (latestUserMessage) =>
        createCodeRunner({
          tools: catalog,
          callTool: bridgeFor(sessionId, userId, latestUserMessage),
          ...deps.codeLimits,
        }),
      saveRecord: deps.saveRecord,
      publishOutput: (note, turn) => deps.publishOutput(sessionId, note, turn),
      publishStatus: (status, details) => deps.publishStatus(sessionId, status, details),
      onError: (error, what) => deps.onError(error, what, sessionId),
      now: deps.now,
    });
    hosts.set(sessionId, { host, budget });
    await deps.saveRecord(record);
    deps.publishStatus(sessionId, 'waiting', {});
    if (request.task !== undefined && request.task.trim() !== '') host.send(request.task);
    return host.current();
  };

  // An external agent CLI in a container: its model is the agent's own default unless the user named one.
  const openContainer = async (
    request: StartRequest,
    previous: SessionRecord | undefined,
    session: { sessionId: string; agent: string; paths: SessionPaths },
  ): Promise<SessionRecord> => {
    if (deps.openContainerSession === undefined) {
      throw new AppError(
        ErrorCode.Unavailable,
        `agent "${session.agent}" runs in a container, and this orchestrator has no Docker engine configured`,
      );
    }
    const { record, budget } = begin(request, previous, {
      sessionId: session.sessionId,
      model: request.model ?? previous?.model ?? agentDefaultModel,
      agent: session.agent,
      mode: request.mode ?? previous?.mode ?? 'batch',
      usageSource: 'external',
    });
    const userId = record.userId;
    const task = request.task?.trim() === '' ? undefined : request.task;
    await deps.saveRecord(record);
    const host = await deps.openContainerSession({
      record,
      paths: session.paths,
      budget,
      task,
      callToolFor: (latestUserMessage) => bridgeFor(session.sessionId, userId, latestUserMessage),
      onEnded: async () => {
        hosts.delete(session.sessionId);
        await deps
          .closeEgressSession(session.sessionId)
          .catch((error: unknown) => deps.onError(error, 'close the egress session', session.sessionId));
      },
    });
    hosts.set(session.sessionId, { host, budget, container: host });
    const current = host.current();
    await deps.saveRecord(current);
    if (current.mode === 'batch') {
      deps.publishStatus(session.sessionId, 'waiting', {});
      if (task !== undefined) host.send(task);
    }
    return host.current();
  };

  const bridgeFor = (
    sessionId: string,
    userId: string | undefined,
    latestUserMessage: () => string | undefined,
  ): ((call: ToolCall) => Promise<ToolCallOutcome>) =>
    createToolBridge({
      sessionId,
      userId,
      latestUserMessage,
      requestToolCall: deps.requestToolCall,
      onNote: (note) => {
        const turn = hosts.get(sessionId)?.host.current().turn ?? 0;
        deps.publishOutput(sessionId, { kind: 'tool', text: `${note.tool}: ${note.text}` }, turn);
      },
    });

  return {
    async start(request) {
      if (request.resumeSessionId === undefined) return open(request, undefined);
      const running = hosts.get(request.resumeSessionId);
      if (running !== undefined) {
        if (request.task !== undefined && request.task.trim() !== '') running.host.send(request.task);
        return running.host.current();
      }
      const previous = await deps.loadRecord(request.resumeSessionId);
      if (previous === undefined) {
        throw new AppError(
          ErrorCode.NotFound,
          `no session ${request.resumeSessionId} to resume (see session.list)`,
        );
      }
      return open(request, previous);
    },
    send: (sessionId, message) => hosted(sessionId).host.send(message),
    async stop(sessionId, reason) {
      const { host, container } = hosted(sessionId);
      const record = await host.stop(reason);
      if (container !== undefined) return record; // its release closed the egress session
      hosts.delete(sessionId);
      await deps
        .closeEgressSession(sessionId)
        .catch((error: unknown) => deps.onError(error, 'close the egress session', sessionId));
      return record;
    },
    async list(userId) {
      const records = await deps.listRecords();
      return records
        .filter((record) => userId === undefined || record.userId === userId)
        .map((record) => hosts.get(record.sessionId)?.host.current() ?? record)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    },
    budget: (sessionId) => hosted(sessionId).budget.snapshot(),
    recordUsage(sessionId, usage) {
      const entry = hosts.get(sessionId);
      if (entry === undefined) return false;
      const isCounted = entry.budget.recordUsage(usage);
      if (entry.container !== undefined) {
        entry.budget.recordStep(); // an external agent's step is one model request
        entry.container.checkBudget();
      }
      return isCounted;
    },
    async stopAll(reason) {
      await Promise.all([...hosts.keys()].map((sessionId) => this.stop(sessionId, reason)));
    },
  };
}

function newSessionId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
