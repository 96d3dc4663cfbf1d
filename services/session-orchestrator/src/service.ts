import { homedir } from 'node:os';
import { publish, request, serve, serviceOf, subscribe, type Bus } from '@ironcurtain/bus';
import { resolveHome } from '@ironcurtain/config';
import type { Logger } from '@ironcurtain/log';
import { checkWorkspace, hostWorkspaceFileSystem, workspacePlacesOf } from '@ironcurtain/policy-engine';
import {
  AuditAppendRefusal,
  EgressLlmUsageEvent,
  EgressSessionClose,
  EgressSessionOpen,
  maximumToolArgumentBytes,
  McpgwCatalog,
  PdpToolCall,
  SessionBudget,
  SessionBudgetEvent,
  SessionList,
  SessionOutputEvent,
  SessionSend,
  SessionStart,
  SessionStatusEvent,
  SessionStop,
} from '@ironcurtain/proto-schemas';
import type { RunningService } from '@ironcurtain/runtime';
import { minutesToMs, type Config } from './config.js';
import { wireAutoCompaction } from './compaction-wiring.js';
import { wireContainerSessions } from './container-wiring.js';
import type { OutputNote } from './domain/output-notes.js';
import { createSessionAccess, type SessionAccess } from './domain/session-access.js';
import { createSessionDesk, type SessionDesk, type SessionDeskDependencies } from './domain/session-desk.js';
import { fitToolCallRequest } from './domain/oversize-call.js';
import { createSessionModel } from './domain/session-model.js';
import { createBudgetHandler } from './handlers/budget.js';
import { createListHandler } from './handlers/list.js';
import { createSendHandler } from './handlers/send.js';
import { createStartHandler } from './handlers/start.js';
import { createStopHandler } from './handlers/stop.js';
import { openSessionStore } from './session-store.js';

// How long a refusal waits for the audit-writer to have it on disk before the caller is answered (FORBIDDEN either way).
const refusalAuditTimeoutMs = 5000;

/**
 * Wires the session-orchestrator: the session desk, its five endpoints (each checking who asks: the owner or an
 * admin), and egress usage into the budgets.
 */
export function createSessionOrchestratorService(dependencies: {
  bus: Bus;
  config: Config;
  logger: Logger;
  now?: () => Date;
}): RunningService {
  const { bus, config, logger } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  let desk: SessionDesk | undefined;
  let stopUsage: (() => void) | undefined;
  return {
    async start() {
      const store = await openSessionStore(bus);
      const home = resolveHome(config.IRONCURTAIN_HOME);
      const publishOutput = (sessionId: string, note: OutputNote, turn: number) =>
        publish(bus, SessionOutputEvent, { sessionId, turn, ...note }, { sessionId });
      const publishStatus: SessionDeskDependencies['publishStatus'] = (sessionId, status, details) =>
        publish(bus, SessionStatusEvent, { sessionId, status, ...details }, { sessionId });
      const onError = (error: unknown, what: string, sessionId: string) =>
        logger.error({ sessionId, err: (error as Error).message }, `could not ${what}`);
      desk = createSessionDesk({
        home,
        defaultModel: config.ORCH_DEFAULT_MODEL,
        sessionLimits: {
          tokens: config.ORCH_BUDGET_TOKENS,
          steps: config.ORCH_BUDGET_STEPS,
          timeMs: minutesToMs(config.ORCH_BUDGET_MINUTES),
          costUsd: config.ORCH_BUDGET_COST_USD,
        },
        budgetWarningFraction: config.ORCH_BUDGET_WARN_PERCENT / 100,
        turnLimits: {
          tokens: config.ORCH_TURN_BUDGET_TOKENS,
          steps: config.ORCH_TURN_BUDGET_STEPS,
          timeMs: minutesToMs(config.ORCH_TURN_BUDGET_MINUTES),
          costUsd: config.ORCH_TURN_BUDGET_COST_USD,
        },
        codeLimits: {
          memoryLimitMb: config.ORCH_CODE_MEMORY_MB,
          timeLimitMs: config.ORCH_CODE_TIME_LIMIT_MS,
        },
        loadRecord: store.load,
        saveRecord: store.save,
        listRecords: store.list,
        fetchCatalog: () => request(bus, McpgwCatalog, {}, { timeoutMs: config.ORCH_CATALOG_TIMEOUT_MS }),
        // Each builtin session's model, its summary model and its compactor (ORCH_AUTO_COMPACT_*).
        ...wireAutoCompaction({
          config,
          openEgressSession: async (sessionId) =>
            (await request(bus, EgressSessionOpen, { sessionId }, { sessionId })).sentinels,
          createModel: (modelId, openEgressSession) =>
            createSessionModel({ modelId, egressUrl: config.ORCH_EGRESS_URL, openEgressSession }),
        }),
        closeEgressSession: async (sessionId) => {
          await request(bus, EgressSessionClose, { sessionId }, { sessionId });
        },
        requestToolCall: (payload) =>
          request(bus, PdpToolCall, fitToolCallRequest(payload, maxToolArgumentBytes(bus)), {
            timeoutMs: config.ORCH_TOOLCALL_TIMEOUT_MS,
            sessionId: payload.sessionId,
          }),
        toolCallRetryWindowMs: config.ORCH_TOOLCALL_RETRY_WINDOW_MS,
        publishOutput,
        publishStatus,
        publishBudget: (sessionId, event) =>
          publish(
            bus,
            SessionBudgetEvent,
            {
              sessionId,
              dimension: event.dimension,
              used: event.used,
              limit: event.limit,
              isExhausted: event.type === 'budget-exhausted',
            },
            { sessionId },
          ),
        onError,
        now,
        // The places are looked up on each start: IRONCURTAIN_HOME's owner and the home may change while it runs.
        checkWorkspace: (path) =>
          checkWorkspace(
            path,
            workspacePlacesOf({ ironcurtainHome: home, processHome: homedir() }),
            hostWorkspaceFileSystem,
          ),
        openContainerSession: wireContainerSessions(
          { bus, config, home },
          { saveRecord: store.save, publishOutput, publishStatus, onError, now },
        ),
      });
      const sessions = desk;
      const subscription = subscribe(bus, EgressLlmUsageEvent, (event) => {
        sessions.recordUsage(event.sessionId, event);
      });
      stopUsage = () => subscription.unsubscribe();
      const access = createAccessCheck(bus, logger, store.load, now);
      await serve(bus, SessionStart, createStartHandler(sessions, access));
      await serve(bus, SessionSend, createSendHandler(sessions, access));
      await serve(bus, SessionStop, createStopHandler(sessions, access));
      await serve(bus, SessionList, createListHandler(sessions));
      await serve(bus, SessionBudget, createBudgetHandler(sessions, access));
    },
    async stop() {
      stopUsage?.();
      await (await serviceOf(bus)).stop();
      await desk?.stopAll('the session-orchestrator stopped');
    },
  };
}

// The owner comes from the session's KV record; a refusal goes to the audit trail (`kind: access`).
function createAccessCheck(
  bus: Bus,
  logger: Logger,
  loadSession: (sessionId: string) => Promise<{ userId?: string | undefined } | undefined>,
  now: () => Date,
): SessionAccess {
  return createSessionAccess({
    loadSession,
    recordRefusal: async (record) => {
      await request(
        bus,
        AuditAppendRefusal,
        { record },
        { timeoutMs: refusalAuditTimeoutMs, sessionId: record.sessionId },
      );
    },
    onRecordFailed: (error, refusal) =>
      logger.error(
        {
          sessionId: refusal.sessionId,
          caller: refusal.caller.name,
          endpoint: refusal.endpoint,
          err: (error as Error).message,
        },
        'access refusal not recorded in the audit trail',
      ),
    now,
  });
}

// Arguments larger than this go to the PDP as their size and hash: the server's own limit, as announced on connect.
function maxToolArgumentBytes(bus: Bus): number {
  return maximumToolArgumentBytes(bus.connection.info?.max_payload ?? 1024 * 1024);
}
