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
import type { WorkspaceCheck } from '@ironcurtain/policy-engine';
import type { OutputNote } from './output-notes.js';
import type { ContainerSessionHost } from './container/container-session-host.js';
import { agentDefaultModel, type ContainerSessionRequest } from './container/container-sessions.js';
import {
  createSessionDirectories,
  readConversation,
  sessionPathsOf,
  type SessionPaths,
} from './session-files.js';
import type { CreateCompaction } from './session-compaction.js';
import { createSessionHost, type SessionHost } from './session-host.js';
import { pricedModelOf, type SessionModel } from './session-model.js';
import { newSessionId, type SessionRecord, type StartRequest } from './session-record.js';
import { sessionWorkspaceOf } from './session-workspace.js';
import { createToolBridge, type ToolBridgeOptions } from './tool-bridge.js';
import { recordToolNote } from './tool-notes.js';

type Status = SessionRecord['status'];

/** What the desk needs from the outside world; the service wires each to NATS, KV or the config. */
export interface SessionDeskDependencies {
  home: string;
  defaultModel: string;
  sessionLimits: BudgetLimits;
  turnLimits: BudgetLimits;
  /** The share of a session limit (0–1, exclusive) at which its budget warning is sent; default 0.8. */
  budgetWarningFraction?: number;
  codeLimits: { memoryLimitMb: number; timeLimitMs: number };
  loadRecord(sessionId: string): Promise<SessionRecord | undefined>;
  saveRecord(record: SessionRecord): Promise<void>;
  listRecords(): Promise<SessionRecord[]>;
  fetchCatalog(): Promise<ToolCatalog>;
  createModel(sessionId: string, modelId: string): Promise<SessionModel>;
  closeEgressSession(sessionId: string): Promise<void>;
  requestToolCall: ToolBridgeOptions['requestToolCall'];
  /** How long a call whose first attempt got no answer is sent again (ORCH_TOOLCALL_RETRY_WINDOW_MS). */
  toolCallRetryWindowMs?: number;
  publishOutput(sessionId: string, note: OutputNote, turn: number): void;
  publishStatus(
    sessionId: string,
    status: Status,
    details: { reason?: string; turn?: number; turnOutcome?: TurnOutcome },
  ): void;
  publishBudget(sessionId: string, event: BudgetEvent): void;
  onError(error: unknown, what: string, sessionId: string): void;
  now(): Date;
  /** Whether a directory may be a session's workspace (`checkWorkspace` of the policy engine, on this host). */
  checkWorkspace(path: string): WorkspaceCheck;
  /** A builtin session's conversation compaction (`session-compaction.ts`); absent or undefined: none. */
  createCompaction?: CreateCompaction;
  /** External agents in containers; absent where no Docker engine is configured. */
  openContainerSession?(request: ContainerSessionRequest): Promise<ContainerSessionHost>;
}

/** The sessions this orchestrator hosts, by id. */
export interface SessionDesk {
  start(request: StartRequest): Promise<SessionRecord>;
  send(sessionId: string, message: string): number;
  stop(sessionId: string, reason: string): Promise<SessionRecord>;
  list(): Promise<SessionRecord[]>;
  /** The budget of a hosted session, as `/budget` shows it, with the session's workspace. */
  budget(sessionId: string): BudgetSnapshot & { workspace?: string | undefined };
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
    session: Pick<SessionRecord, 'sessionId' | 'model' | 'agent' | 'mode' | 'workspace'> & {
      usageSource: 'agent' | 'external';
    },
  ) => {
    const at = deps.now().toISOString();
    const userId = previous === undefined ? request.owner : previous.userId; // a resumed session keeps its owner
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
      ...(deps.budgetWarningFraction === undefined ? {} : { warningFraction: deps.budgetWarningFraction }),
      ...(previous?.budgetUsage === undefined ? {} : { initialUsage: previous.budgetUsage }),
      ...pricedModelOf(session.model, usageSource),
      onEvent: (event) => deps.publishBudget(session.sessionId, event),
    });
    for (const text of budget.snapshot().notes)
      deps.publishOutput(session.sessionId, { kind: 'system', text }, record.turn);
    return { record, budget };
  };

  const open = async (request: StartRequest, previous: SessionRecord | undefined): Promise<SessionRecord> => {
    const agent = previous?.agent ?? request.agent;
    const sessionId = previous?.sessionId ?? newSessionId(deps.now());
    const workspace = sessionWorkspaceOf(request, previous, deps.checkWorkspace);
    const paths = sessionPathsOf(deps.home, sessionId, workspace);
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
      ...(workspace === undefined ? {} : { workspace }),
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
      createCompaction: (reporter) => deps.createCompaction?.({ sessionId, sessionModel, budget }, reporter),
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
      ...(deps.toolCallRetryWindowMs === undefined ? {} : { retryWindowMs: deps.toolCallRetryWindowMs }),
      onNote: (note) => recordToolNote(deps, sessionId, hosts.get(sessionId)?.host.current().turn ?? 0, note),
    });

  return {
    async start(request) {
      if (request.resumeSessionId === undefined) return open(request, undefined);
      const running = hosts.get(request.resumeSessionId);
      if (running !== undefined) {
        sessionWorkspaceOf(request, running.host.current(), deps.checkWorkspace); // refuses another workspace
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
    async list() {
      const records = await deps.listRecords();
      return records
        .map((record) => hosts.get(record.sessionId)?.host.current() ?? record)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    },
    budget(sessionId) {
      const { budget, host } = hosted(sessionId);
      return { ...budget.snapshot(), workspace: host.current().workspace };
    },
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
