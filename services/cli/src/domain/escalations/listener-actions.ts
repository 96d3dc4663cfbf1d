import { terminalSafe } from '@ironcurtain/terminal-text';
import type { PendingTicket, ResolveReply } from './escalation-client.js';
import { formatResolveReply } from './escalation-report.js';
import { listenerHelp, type ListenerCommand } from './listener-commands.js';
import type { DashboardEntry, ListenerDashboard } from './listener-dashboard.js';
import {
  formatDashboard,
  formatHeldBack,
  formatNewEntry,
  formatNumberProblem,
  formatRetired,
  formatSessions,
  type SessionRow,
} from './listener-view.js';

/** What the listener's commands reach the stack with. */
export interface ListenerActions {
  /** `escalation.list.v1`: every pending ticket, oldest first. */
  listTickets(): Promise<PendingTicket[]>;
  /** Answers one ticket by its whole id (`escalation.resolve.v1`, channel `terminal`, as the CLI's user). */
  answerTicket(
    ticketId: string,
    decision: 'approved' | 'denied',
  ): Promise<{ reply: ResolveReply; ticket: PendingTicket | undefined }>;
  /** `session.list.v1`: the orchestrator's sessions (rejects when it does not answer). */
  listSessions(): Promise<Array<{ sessionId: string; status: string }>>;
  /** `/approve all` leaves alone tickets shown for less than this: they may have arrived as the person pressed Enter. */
  approveAllGraceMs: number;
}

/** The listener's state and output, as the commands act on them. */
export interface ListenerCommandContext extends ListenerActions {
  dashboard: ListenerDashboard;
  /** Ids of tickets answered from here whose reply has not come back yet. */
  answering: Set<string>;
  print(text: string): void;
  ringBell(): void;
  now(): number;
}

const activeStatuses = new Set(['starting', 'running', 'waiting']);

/** Carries out one command (everything but /quit, which the caller handles). */
export async function runListenerCommand(
  command: Exclude<ListenerCommand, { kind: 'quit' }>,
  context: ListenerCommandContext,
): Promise<void> {
  switch (command.kind) {
    case 'nothing':
      return;
    case 'help':
      return context.print(`  · ${listenerHelp}\n`);
    case 'invalid':
      return context.print(`  · ${command.problem}\n`);
    case 'list':
      await refreshDashboard(context);
      return context.print(formatDashboard(context.dashboard.pending(), context.now()));
    case 'sessions':
      return printSessions(context);
    case 'answer':
      return command.target === 'all'
        ? answerAll(context, command.decision)
        : answerNumbers(context, command.decision, command.target);
  }
}

/**
 * Asks the router for the pending tickets again and brings the dashboard in line: tickets settled while nobody was
 * listening are taken off with a note, tickets not seen yet are shown (with the bell). Numbers already shown stay.
 */
export async function refreshDashboard(context: ListenerCommandContext): Promise<void> {
  const listRequestedAt = context.now();
  const listed = await context.listTickets();
  const { added, retired } = context.dashboard.reconcile(listed, listRequestedAt, context.now());
  for (const entry of retired) context.print(formatRetired(entry));
  for (const entry of added) {
    context.ringBell();
    context.print(formatNewEntry(entry, context.now()));
  }
}

async function answerNumbers(
  context: ListenerCommandContext,
  decision: 'approved' | 'denied',
  numbers: readonly number[],
): Promise<void> {
  for (const number of numbers) {
    // Looked up at the moment of answering: a number names the ticket shown under it, or nothing at all.
    const lookup = context.dashboard.lookup(number);
    if (lookup.kind === 'pending') await answerEntry(context, decision, lookup.entry);
    else context.print(formatNumberProblem(number, lookup, context.dashboard.pending()));
  }
}

async function answerAll(context: ListenerCommandContext, decision: 'approved' | 'denied'): Promise<void> {
  const pending = context.dashboard.pending();
  if (pending.length === 0) return context.print('  · no escalation is pending; nothing was answered\n');
  // Denying what nobody read is safe; approving it is not, so only approvals wait for the grace.
  const shownBefore = context.now() - context.approveAllGraceMs;
  const isReadable = (entry: DashboardEntry) => decision === 'denied' || entry.shownAt <= shownBefore;
  for (const entry of pending.filter(isReadable)) await answerEntry(context, decision, entry);
  context.print(
    formatHeldBack(
      pending.filter((entry) => !isReadable(entry)),
      context.approveAllGraceMs,
    ),
  );
}

async function answerEntry(
  context: ListenerCommandContext,
  decision: 'approved' | 'denied',
  entry: DashboardEntry,
): Promise<void> {
  const ticketId = entry.ticket.id;
  context.answering.add(ticketId);
  try {
    const { reply } = await context.answerTicket(ticketId, decision);
    context.print(`#${entry.number} ${formatResolveReply(reply, decision, entry.ticket)}`);
    // The router's event may still be on its way: settle here too, so the list is right at once.
    context.dashboard.settle({ ticketId, status: reply.status, approver: reply.resolvedBy });
  } catch (error) {
    context.print(
      `  · #${entry.number} was not answered: ${terminalSafe((error as Error).message, { maxLength: 500 })}\n`,
    );
  } finally {
    context.answering.delete(ticketId);
  }
}

async function printSessions(context: ListenerCommandContext): Promise<void> {
  const pendingBySession = new Map<string, number[]>();
  for (const entry of context.dashboard.pending()) {
    const numbers = pendingBySession.get(entry.ticket.sessionId) ?? [];
    numbers.push(entry.number);
    pendingBySession.set(entry.ticket.sessionId, numbers);
  }
  let sessions: Array<{ sessionId: string; status: string }> = [];
  let problem: string | undefined;
  try {
    sessions = await context.listSessions();
  } catch (error) {
    problem = (error as Error).message;
  }
  const statusById = new Map(sessions.map((session) => [session.sessionId, session.status]));
  const ids = new Set([
    ...sessions.filter((session) => activeStatuses.has(session.status)).map((session) => session.sessionId),
    ...pendingBySession.keys(),
  ]);
  const rows: SessionRow[] = [...ids].map((sessionId) => ({
    sessionId,
    status: statusById.get(sessionId),
    pendingNumbers: pendingBySession.get(sessionId) ?? [],
  }));
  context.print(formatSessions(rows, problem));
}
