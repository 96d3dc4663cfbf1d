// One scenario's session, driven the way the CLI drives one: `session.start.v1` with no task, the scenario's
// environment laid out in the new sandbox, then the task (`session.send.v1`) and a wait for the turn to end
// (`session.evt.status.v1` with `turnOutcome`). Meanwhile a scripted user answers every escalation of the session
// (`escalation.evt.opened.v1` → `escalation.resolve.v1`): approved when it matches one of the scenario's `approve`
// patterns, denied otherwise.
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { request, subscribe, type Bus } from '@ironcurtain/bus';
import {
  EscalationOpenedEvent,
  EscalationResolve,
  SessionOutputEvent,
  SessionSend,
  SessionStart,
  SessionStatusEvent,
  SessionStop,
  type PayloadOf,
} from '@ironcurtain/proto-schemas';
import { argumentsContainAll } from './audit-evidence.ts';

type Ticket = PayloadOf<typeof EscalationOpenedEvent>['ticket'];

/** An escalation the session raised and how the scripted user answered it. */
export interface AnsweredEscalation {
  ticketId: string;
  call: string;
  arguments: string;
  reason: string;
  answer: 'approved' | 'denied';
  /** What the router said (`isAccepted: false` when it had expired or been answered already). */
  isAccepted: boolean;
}

/** An escalation the user approves: this server and tool, with arguments containing every text. */
export interface ApprovalPattern {
  server: string;
  tool: string;
  argumentsContain: readonly string[];
}

/** What happened in the session, as its events told it. */
export interface SessionRecord {
  sessionId: string;
  /** How the task's turn ended, or `timeout` when it did not end in time. */
  turnOutcome: string;
  escalations: AnsweredEscalation[];
  /** Each tool call's note (`server.tool: allowed`, `server.tool: DENIED: …`). */
  toolNotes: string[];
  /** The assistant's texts. */
  assistantTexts: string[];
}

/** What a scenario's session needs. */
export interface SessionPlan {
  bus: Bus;
  ironcurtainHome: string;
  turnTimeoutMs: number;
  /**
   * Called with the new session's sandbox before the task is sent (lay out, snapshot); answers the task to send and
   * the escalations the user approves.
   */
  prepare(sessionId: string, sandbox: string): Promise<{ task: string; approve: readonly ApprovalPattern[] }>;
  /** Called once the turn has ended and before the session is stopped (evaluate). */
  evaluate(record: SessionRecord): Promise<void>;
  log(line: string): void;
}

const approver = 'security-benchmark-user';
const toolNote = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+: /;

function isApproved(ticket: Ticket, patterns: readonly ApprovalPattern[]): boolean {
  return patterns.some(
    (pattern) =>
      pattern.server === ticket.serverName &&
      pattern.tool === ticket.toolName &&
      argumentsContainAll(ticket.canonicalArguments, pattern.argumentsContain),
  );
}

/** The events of one session: its status changes, tool notes and escalations (answered as they open). */
interface SessionWatch {
  follow(sessionId: string): void;
  approveOnly(patterns: readonly ApprovalPattern[]): void;
  /** Resolves with how `turn` ended (its `turnOutcome`), or `stopped`/`failed` when the session ended. */
  turnEnded(turn: number): Promise<string>;
  /** Resolves once every escalation seen so far has been answered. */
  answered(): Promise<void>;
  close(): void;
}

function watchSession(plan: SessionPlan, record: SessionRecord): SessionWatch {
  let sessionId: string | undefined;
  let approve: readonly ApprovalPattern[] = [];
  const statuses: Array<PayloadOf<typeof SessionStatusEvent>> = [];
  const waiters: Array<() => void> = [];
  const answering: Array<Promise<void>> = [];
  const subscriptions = [
    subscribe(plan.bus, SessionStatusEvent, (event) => {
      if (event.sessionId !== sessionId) return;
      statuses.push(event);
      for (const waiter of waiters) waiter();
    }),
    subscribe(plan.bus, SessionOutputEvent, (event) => {
      if (event.sessionId !== sessionId) return;
      if (event.kind === 'tool' && toolNote.test(event.text)) record.toolNotes.push(event.text);
      if (event.kind === 'assistant') record.assistantTexts.push(event.text);
    }),
    subscribe(plan.bus, EscalationOpenedEvent, ({ ticket }) => {
      if (ticket.sessionId !== sessionId) return;
      answering.push(answer(plan, isApproved(ticket, approve), ticket, record));
    }),
  ];
  return {
    follow: (id) => (sessionId = id),
    approveOnly: (patterns) => (approve = patterns),
    turnEnded: (turn) =>
      new Promise((resolve) => {
        const check = (): void => {
          const end = statuses.find(
            (event) =>
              (event.turnOutcome !== undefined && event.turn === turn) ||
              event.status === 'stopped' ||
              event.status === 'failed',
          );
          if (end !== undefined) resolve(end.turnOutcome ?? end.status);
        };
        waiters.push(check);
        check();
      }),
    answered: async () => void (await Promise.all(answering)),
    close: () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}

/** Sends the task and waits for its turn to end: the turn's outcome, `timeout`, or why it could not be sent. */
async function sendAndWait(
  plan: SessionPlan,
  watch: SessionWatch,
  sessionId: string,
  task: string,
): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), plan.turnTimeoutMs)),
  );
  try {
    const sent = request(plan.bus, SessionSend, { sessionId, message: task }).then(
      (reply) => watch.turnEnded(reply.turn),
      (error: unknown) => `failed to send the task: ${(error as Error).message}`,
    );
    return await Promise.race([sent, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs one session from start to stop; the session is stopped even when something fails. */
export async function runSession(plan: SessionPlan): Promise<void> {
  const record: SessionRecord = {
    sessionId: '',
    turnOutcome: 'timeout',
    escalations: [],
    toolNotes: [],
    assistantTexts: [],
  };
  const watch = watchSession(plan, record);
  try {
    await plan.bus.connection.flush();
    const start = { agent: 'builtin' };
    const { sessionId } = await request(plan.bus, SessionStart, start, { timeoutMs: 60_000 });
    record.sessionId = sessionId;
    watch.follow(sessionId);
    const sandbox = join(plan.ironcurtainHome, 'sessions', sessionId, 'sandbox');
    await mkdir(sandbox, { recursive: true });
    const prepared = await plan.prepare(sessionId, sandbox);
    watch.approveOnly(prepared.approve);
    record.turnOutcome = await sendAndWait(plan, watch, sessionId, prepared.task);
    await watch.answered();
    await plan.evaluate(record);
  } finally {
    watch.close();
    if (record.sessionId !== '') {
      const stop = { sessionId: record.sessionId, reason: 'security benchmark scenario done' };
      await request(plan.bus, SessionStop, stop).catch((error: unknown) =>
        plan.log(`  could not stop session ${record.sessionId}: ${(error as Error).message}`),
      );
    }
  }
}

async function answer(
  plan: SessionPlan,
  isApprovedByUser: boolean,
  ticket: Ticket,
  record: SessionRecord,
): Promise<void> {
  const decision = isApprovedByUser ? 'approved' : 'denied';
  const call = `${ticket.serverName}.${ticket.toolName}`;
  let isAccepted = false;
  try {
    const reply = await request(
      plan.bus,
      EscalationResolve,
      { ticketId: ticket.id, decision, approver, channel: 'security-benchmark', allowSimilar: false },
      { timeoutMs: 10_000 },
    );
    isAccepted = reply.isAccepted;
  } catch (error) {
    plan.log(`  could not answer escalation ${ticket.id}: ${(error as Error).message}`);
  }
  record.escalations.push({
    ticketId: ticket.id,
    call,
    arguments: JSON.stringify(ticket.canonicalArguments).slice(0, 300),
    reason: ticket.reason,
    answer: decision,
    isAccepted,
  });
}
