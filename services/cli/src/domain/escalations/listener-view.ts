import { escalationArgumentLines, terminalSafe, ticketShortCode } from '@ironcurtain/terminal-text';
import { durationText } from './escalation-report.js';
import type { DashboardEntry, RetiredEntry } from './listener-dashboard.js';
import { listenerHelp } from './listener-commands.js';

/** One row of `/sessions`. */
export interface SessionRow {
  sessionId: string;
  /** The orchestrator's status, or undefined when it did not say (not running, or the session is not its own). */
  status?: string | undefined;
  pendingNumbers: readonly number[];
}

// Every string below that came from a ticket (session id, server, tool, arguments, reason, rule, approver) goes
// through @ironcurtain/terminal-text: the agent chose it, and it must neither drive the terminal nor pose as ours.

/**
 * One ticket as the dashboard shows it: number, session, tool, age and expiry, the short code, then the reason and
 * every argument (resources first and whole, like the session console's prompt).
 */
export function formatDashboardEntry(entry: DashboardEntry, now: number): string {
  const { ticket } = entry;
  const waited = durationText(now - Date.parse(ticket.createdAt));
  const left = durationText(Date.parse(ticket.expiresAt) - now);
  return [
    `#${entry.number}  session ${terminalSafe(ticket.sessionId, { maxLength: 100 })}  ${callOf(ticket)}  ` +
      `waiting ${waited} (expires in ${left})  [${terminalSafe(ticketShortCode(ticket.id))}]`,
    `    reason: ${terminalSafe(ticket.reason, { maxLength: 500 })} (rule ${terminalSafe(ticket.rule, { maxLength: 100 })})`,
    ...escalationArgumentLines(ticket).map((line) => `    ${line}`),
  ].join('\n');
}

/** The whole dashboard: every pending ticket in number order, then the commands. */
export function formatDashboard(entries: readonly DashboardEntry[], now: number): string {
  if (entries.length === 0) return `no pending escalations; new ones will show here\n${listenerHelp}\n`;
  const count = `${entries.length} pending escalation${entries.length === 1 ? '' : 's'}`;
  const blocks = entries.map((entry) => formatDashboardEntry(entry, now));
  return `${count}:\n\n${blocks.join('\n\n')}\n\n${listenerHelp}\n`;
}

/** A ticket that just arrived. */
export function formatNewEntry(entry: DashboardEntry, now: number): string {
  return `\nnew escalation:\n${formatDashboardEntry(entry, now)}\n`;
}

/** A shown ticket settled by someone else (or expired): it leaves the list, its number is not given again. */
export function formatRetired(retired: RetiredEntry): string {
  return (
    `  · #${retired.number} (session ${terminalSafe(retired.ticket.sessionId, { maxLength: 100 })}, ` +
    `${callOf(retired.ticket)}) is no longer pending: ${terminalSafe(retired.outcome, { maxLength: 200 })}\n`
  );
}

/** Why a number cannot be answered: the ticket it named was settled, or it was never shown. */
export function formatNumberProblem(
  number: number,
  lookup: { kind: 'retired'; entry: RetiredEntry } | { kind: 'unknown' },
  pending: readonly DashboardEntry[],
): string {
  if (lookup.kind === 'retired') {
    return (
      `  · #${number} is no longer pending (${terminalSafe(lookup.entry.outcome, { maxLength: 200 })}); ` +
      'nothing was answered\n'
    );
  }
  return `  · no escalation was shown as #${number}; ${pendingNumbersText(pending)}\n`;
}

/** `/approve all` left these alone: they arrived too recently to have been read. */
export function formatHeldBack(entries: readonly DashboardEntry[], graceMs: number): string {
  if (entries.length === 0) return '';
  const numbers = entries.map((entry) => `#${entry.number}`).join(', ');
  return (
    `  · not approved: ${numbers} arrived less than ${graceMs / 1000} s ago; read ` +
    `${entries.length === 1 ? 'it' : 'them'} and answer by number\n`
  );
}

/** `/sessions`: every active session and every session with a pending ticket, with its pending count. */
export function formatSessions(rows: readonly SessionRow[], orchestratorProblem: string | undefined): string {
  const note =
    orchestratorProblem === undefined
      ? ''
      : `  (session states unknown: ${terminalSafe(orchestratorProblem, { maxLength: 200 })})\n`;
  if (rows.length === 0) return `no running sessions and no pending escalations\n${note}`;
  const lines = rows.map((row) => {
    const count = row.pendingNumbers.length;
    const numbers = count === 0 ? '' : ` (${row.pendingNumbers.map((number) => `#${number}`).join(', ')})`;
    return (
      `  ${terminalSafe(row.sessionId, { maxLength: 100 })}  ${terminalSafe(row.status ?? 'status unknown', { maxLength: 40 })}  ` +
      `${count} pending${numbers}`
    );
  });
  return `sessions:\n${lines.join('\n')}\n${note}`;
}

function pendingNumbersText(pending: readonly DashboardEntry[]): string {
  if (pending.length === 0) return 'no escalation is pending';
  return `pending: ${pending.map((entry) => `#${entry.number}`).join(', ')}`;
}

function callOf(ticket: DashboardEntry['ticket']): string {
  return `${terminalSafe(ticket.serverName, { maxLength: 100 })}.${terminalSafe(ticket.toolName, { maxLength: 100 })}`;
}
