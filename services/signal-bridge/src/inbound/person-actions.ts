import type { ParsedResponseOf, SessionBudget, SessionList } from '@ironcurtain/proto-schemas';
import { helpMessage } from '../domain/help-text.js';
import { targetOfAnswer } from '../domain/pending-escalations.js';
import { parseSignalReply } from '../domain/reply.js';
import type { PersonStore } from '../store/person-store.js';

type SessionSummary = ParsedResponseOf<typeof SessionList>['sessions'][number];
type BudgetReport = ParsedResponseOf<typeof SessionBudget>;

/** What acting for the person needs: the bus requests as plain functions, the person's state, and the phone. */
export interface PersonActionPorts {
  resolve(
    ticketId: string,
    decision: 'approved' | 'denied',
  ): Promise<{ isAccepted: boolean; status: string; resolvedBy?: string | undefined }>;
  startSession(task: string): Promise<{ sessionId: string }>;
  sendToSession(sessionId: string, message: string): Promise<{ isAccepted: boolean }>;
  listSessions(): Promise<SessionSummary[]>;
  budget(sessionId: string): Promise<BudgetReport>;
  stopSession(sessionId: string): Promise<{ status: string }>;
  persons: PersonStore;
  tell(text: string): Promise<void>;
  maxConcurrentSessions: number;
}

const activeStatuses = new Set(['starting', 'running', 'waiting']);

/** Acts on one obeyed message of the pinned person; returns the outcome for the inbox record. */
export async function actForPerson(ports: PersonActionPorts, text: string): Promise<string> {
  const reply = parseSignalReply(text);
  switch (reply.kind) {
    case 'approve':
    case 'deny':
      return answer(ports, reply.kind === 'approve' ? 'approved' : 'denied', reply.label);
    case 'unknown-command':
      await ports.tell(
        `Unknown command /${reply.name}: nothing was sent to the agent. /help lists the commands.`,
      );
      return `refused: unknown command /${reply.name}`;
    case 'command':
      return command(ports, reply);
    case 'message':
      return message(ports, reply.text);
  }
}

async function answer(
  ports: PersonActionPorts,
  decision: 'approved' | 'denied',
  label: number | undefined,
): Promise<string> {
  const pending = await ports.persons.pending();
  const late = (await ports.persons.settled()).find((item) => item.label === label);
  if (label !== undefined && late !== undefined && !pending.some((item) => item.label === label)) {
    await ports.tell(`#${label} was already answered (${late.summary}): your answer was not used.`);
    return `too late: ${late.ticketId}`;
  }
  const target = targetOfAnswer(pending, label);
  if ('question' in target) {
    await ports.tell(target.question);
    return 'asked which escalation';
  }
  if ('refusal' in target) {
    await ports.tell(target.refusal);
    return `refused: ${target.refusal}`;
  }
  const result = await ports.resolve(target.ticketId, decision);
  const by = result.resolvedBy === undefined ? '' : ` by ${result.resolvedBy}`;
  await ports.persons.settle(
    target.ticketId,
    result.isAccepted ? `${decision} from this phone` : `${result.status}${by}`,
  );
  if (result.isAccepted) {
    await ports.tell(`#${target.label} ${decision}.`);
    return `${decision} ${target.ticketId}`;
  }
  await ports.tell(
    `#${target.label} was already answered${by} (${result.status}): your ${decision} was not used.`,
  );
  return `too late: ${target.ticketId} was ${result.status}`;
}

async function command(
  ports: PersonActionPorts,
  reply: Extract<ReturnType<typeof parseSignalReply>, { kind: 'command' }>,
): Promise<string> {
  const person = await ports.persons.person();
  const current = person.currentSessionId;
  switch (reply.name) {
    case 'help':
      await ports.tell(helpMessage());
      return 'help';
    case 'new':
      await ports.persons.updatePerson((state) => ({ sessionIds: state.sessionIds }));
      await ports.tell('Your next message starts a new session.');
      return 'new session next';
    case 'sessions': {
      const mine = await sessionsOf(ports, person.sessionIds);
      await ports.tell(
        mine.length === 0
          ? 'No sessions from this phone yet: send a task to start one.'
          : mine
              .map(
                (session, index) =>
                  `${index + 1}. ${session.sessionId} ${session.status}${session.sessionId === current ? ' (current)' : ''}`,
              )
              .join('\n') + '\n/switch N makes one current.',
      );
      return 'listed sessions';
    }
    case 'switch': {
      const mine = await sessionsOf(ports, person.sessionIds);
      const chosen = mine[reply.index - 1];
      if (chosen === undefined) {
        await ports.tell(`There is no session ${reply.index}: /sessions lists them.`);
        return `refused: no session ${reply.index}`;
      }
      await ports.persons.updatePerson((state) => ({ ...state, currentSessionId: chosen.sessionId }));
      await ports.tell(`Session ${reply.index} (${chosen.sessionId}) is current.`);
      return `switched to ${chosen.sessionId}`;
    }
    case 'budget':
    case 'stop': {
      if (current === undefined) {
        await ports.tell('No current session: send a task to start one.');
        return `refused: /${reply.name} without a session`;
      }
      if (reply.name === 'stop') {
        const stopped = await ports.stopSession(current);
        await ports.tell(`Session ${current}: ${stopped.status}.`);
        return `stopped ${current}`;
      }
      await ports.tell(budgetText(await ports.budget(current)));
      return `budget of ${current}`;
    }
  }
}

async function message(ports: PersonActionPorts, text: string): Promise<string> {
  const person = await ports.persons.person();
  const current = person.currentSessionId;
  if (current !== undefined) {
    const status = (await ports.listSessions()).find((session) => session.sessionId === current)?.status;
    if (status !== undefined && activeStatuses.has(status)) {
      const sent = await ports.sendToSession(current, text);
      if (sent.isAccepted) return `sent to ${current}`;
      await ports.tell(`Session ${current} did not take the message (busy?): try again when its turn ends.`);
      return `not accepted by ${current}`;
    }
  }
  const running = (await sessionsOf(ports, person.sessionIds)).filter((session) =>
    activeStatuses.has(session.status),
  );
  if (running.length >= ports.maxConcurrentSessions) {
    await ports.tell(
      `${running.length} sessions from this phone are running (the most allowed): /stop one first.`,
    );
    return 'refused: too many sessions';
  }
  const { sessionId } = await ports.startSession(text);
  await ports.persons.updatePerson((state) => ({
    currentSessionId: sessionId,
    sessionIds: [...state.sessionIds.filter((id) => id !== sessionId), sessionId],
  }));
  await ports.tell(`Started session ${sessionId}.`);
  return `started ${sessionId}`;
}

async function sessionsOf(ports: PersonActionPorts, ids: readonly string[]): Promise<SessionSummary[]> {
  const known = new Map((await ports.listSessions()).map((session) => [session.sessionId, session]));
  return ids.flatMap((id) => {
    const session = known.get(id);
    return session === undefined ? [] : [session];
  });
}

function budgetText(report: BudgetReport): string {
  const line = (name: string, status: { used: number; limit: number | null }, unit = '') =>
    `${name}: ${round(status.used)}${unit} of ${status.limit === null ? 'unlimited' : `${round(status.limit)}${unit}`}`;
  const session = report.session;
  return [
    `Budget of ${report.sessionId}:`,
    line('tokens', session.tokens),
    line('steps', session.steps),
    line(
      'time',
      {
        used: session.time.used / 1000,
        limit: session.time.limit === null ? null : session.time.limit / 1000,
      },
      ' s',
    ),
    line('cost', session.cost, ' USD'),
    ...report.notes,
  ].join('\n');
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
