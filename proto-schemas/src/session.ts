import { z } from 'zod';
import { SessionId, Timestamp } from './common.js';
import { defineEndpoint, defineEvent } from './endpoint.js';

export const SessionStatus = z.enum(['starting', 'running', 'waiting', 'completed', 'failed', 'stopped']);

/**
 * A session's workspace: an existing directory (a user's repository) that is its sandbox instead of
 * `IRONCURTAIN_HOME/sessions/<id>/sandbox`, as an absolute path. The orchestrator checks it and stores its real path.
 */
export const WorkspacePath = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^\/[^\0]*$/, 'an absolute path (resolve it against your working directory first)');

/** The KV bucket of session records, written by the session-orchestrator alone. */
export const sessionsBucket = 'sessions';

/**
 * What a reader of the bucket `sessions` (the policy-decision-point) takes from a session's record: the workspace the
 * orchestrator checked and stored at start, absent for a session in its own sandbox. It never changes afterwards.
 */
export const SessionRecordWorkspace = z.object({
  sessionId: SessionId,
  workspace: WorkspacePath.optional(),
});

export const SessionSummary = z.object({
  sessionId: SessionId,
  status: SessionStatus,
  createdAt: Timestamp,
  model: z.string().optional(),
  /** The session's owner: who started it (the caller of its session.start); absent for one started before owners. */
  userId: z.string().optional(),
  /** The session's workspace, when it works in one (see {@link WorkspacePath}). */
  workspace: WorkspacePath.optional(),
});

export const SessionStart = defineEndpoint({
  subject: 'session.start.v1',
  addressing: 'person',
  description:
    'Start a session (builtin agent or external agent in a container), or resume one. The caller (the subject) ' +
    'becomes its owner, its userId; only the owner or an admin may resume it.',
  request: z.object({
    task: z.string().max(100_000).optional(),
    model: z.string().optional(),
    resumeSessionId: SessionId.optional(),
    /** `builtin` (Code Mode in an isolate) or an external agent CLI in a container: `claude-code`, `codex`, … */
    agent: z.string().min(1).max(64).default('builtin'),
    /**
     * External agents only. `batch`: each message is one run of the agent CLI. `pty`: the agent's own TUI runs in a
     * container with a terminal, which the caller attaches to (`containerName` in the reply).
     */
    mode: z.enum(['batch', 'pty']).default('batch'),
    /**
     * Work in this existing directory instead of a fresh sandbox (builtin agent only). Refused: not a directory, `/`,
     * a home directory, IRONCURTAIN_HOME and what is in or above it, protected paths and what is above them. A resumed
     * session keeps its own; naming another one then is refused.
     */
    workspace: WorkspacePath.optional(),
  }),
  response: z.object({
    sessionId: SessionId,
    status: SessionStatus,
    /** The agent the session runs (a resumed session keeps its own). */
    agent: z.string().optional(),
    /** The real path of the session's workspace, when it has one. */
    workspace: WorkspacePath.optional(),
    /** PTY mode: the container whose terminal to attach to. */
    containerName: z.string().optional(),
  }),
});

export const SessionSend = defineEndpoint({
  subject: 'session.send.v1',
  addressing: 'person',
  description: 'A user message to a running session (its owner or an admin only).',
  request: z.object({ sessionId: SessionId, message: z.string().min(1).max(100_000) }),
  response: z.object({ isAccepted: z.boolean(), turn: z.number().int().nonnegative() }),
});

export const SessionStop = defineEndpoint({
  subject: 'session.stop.v1',
  addressing: 'person',
  description:
    'Stop a session (its owner or an admin only); its sandbox and trail stay for resume and audit.',
  request: z.object({ sessionId: SessionId, reason: z.string().optional() }),
  response: z.object({ sessionId: SessionId, status: SessionStatus }),
});

export const SessionList = defineEndpoint({
  subject: 'session.list.v1',
  addressing: 'person',
  description: "Known sessions, newest first: the caller's own (an admin's: all).",
  request: z.object({}),
  response: z.object({ sessions: z.array(SessionSummary) }),
});

/**
 * The start of the `system` output note a container session publishes once its agent has listed its MCP tools. A
 * task typed into the agent's TUI before then can reach the model without the tools (seen with Claude Code 2.1.331),
 * so `ironcurtain start --pty` waits for this note before it types the first task.
 */
export const agentToolsReadyNotePrefix = 'connected to IronCurtain:';

/** The `unavailable` of a tool call note whose call may have run, though nobody could say. */
export const toolCallOutcomeUnknown = 'outcome unknown';

/**
 * The tool call a `tool` note is about: its tool, how it ended (`unknown`: it may have run), and, when it got no real
 * answer because a part of IronCurtain was down, which part (`policy service`, `tool gateway`, `audit trail`,
 * `escalation router`) or `outcome unknown` (the call may have run). Terminals count these for `/logs` and the
 * end-of-session summary.
 */
export const ToolCallNote = z.object({
  tool: z.string().max(300),
  outcome: z.enum(['executed', 'denied', 'failed', 'unknown']),
  unavailable: z.string().min(1).max(100).optional(),
});

export const SessionOutputEvent = defineEvent({
  subject: 'session.evt.output.v1',
  description: 'Text the agent produced, or a note about a tool call, for terminals and Signal.',
  payload: z.object({
    sessionId: SessionId,
    turn: z.number().int().nonnegative(),
    kind: z.enum(['assistant', 'tool', 'system']),
    text: z.string(),
    /** On the note of one tool call (absent on code notes and every other kind). */
    toolCall: ToolCallNote.optional(),
  }),
});

export const SessionStatusEvent = defineEvent({
  subject: 'session.evt.status.v1',
  description: 'A session changed state.',
  payload: z.object({
    sessionId: SessionId,
    status: SessionStatus,
    reason: z.string().optional(),
    /** The turn the change belongs to, when it belongs to one. */
    turn: z.number().int().nonnegative().optional(),
    /** How that turn ended, on the change that ends it. */
    turnOutcome: z.enum(['completed', 'budget-exhausted', 'loop-blocked', 'failed', 'aborted']).optional(),
  }),
});

export const SessionBudgetEvent = defineEvent({
  subject: 'session.evt.budget.v1',
  description: 'Budget use crossed a threshold (80% warning, 100% exhausted).',
  payload: z.object({
    sessionId: SessionId,
    dimension: z.enum(['tokens', 'steps', 'time', 'cost']),
    used: z.number().nonnegative(),
    limit: z.number().positive(),
    isExhausted: z.boolean(),
  }),
});

const BudgetDimensionStatus = z.object({
  used: z.number().nonnegative(),
  limit: z.number().positive().nullable(),
});
const BudgetDimensions = z.object({
  tokens: BudgetDimensionStatus,
  steps: BudgetDimensionStatus,
  /** Wall time inside turns, in ms. */
  time: BudgetDimensionStatus,
  /** Estimated cost in US dollars. */
  cost: BudgetDimensionStatus,
});

export const SessionBudget = defineEndpoint({
  subject: 'session.budget.v1',
  addressing: 'person',
  description:
    "A running session's budget: used and limit of each dimension, for the session and the current turn (its " +
    'owner or an admin only).',
  request: z.object({ sessionId: SessionId }),
  response: z.object({
    sessionId: SessionId,
    session: BudgetDimensions,
    turn: BudgetDimensions,
    notes: z.array(z.string()).default([]),
    /** The session's workspace, when it works in one. */
    workspace: WorkspacePath.optional(),
  }),
});
