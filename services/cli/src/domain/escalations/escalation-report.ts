import { escalationArgumentLines, terminalSafe, ticketShortCode } from '@ironcurtain/terminal-text';
import type { PendingTicket, ResolveReply } from './escalation-client.js';

/**
 * The pending tickets, one block each, and how to answer them. Each block is built from the ticket with
 * @ironcurtain/terminal-text, like the session console's prompt: the arguments with an escalated or other resource
 * role first and whole, the rest shortened visibly, everything terminal-safe.
 */
export function formatPendingTickets(tickets: readonly PendingTicket[], now: Date): string {
  if (tickets.length === 0) return 'no pending escalations\n';
  const blocks = tickets.map((ticket) => {
    const waited = durationText(now.getTime() - Date.parse(ticket.createdAt));
    const left = durationText(Date.parse(ticket.expiresAt) - now.getTime());
    return [
      `${terminalSafe(ticket.id)} [${terminalSafe(ticketShortCode(ticket.id))}]  ${callOf(ticket, '/')}  ` +
        `session ${terminalSafe(ticket.sessionId)}  waiting ${waited} (expires in ${left})`,
      `  reason:    ${terminalSafe(ticket.reason, { maxLength: 500 })} (rule ${terminalSafe(ticket.rule)})`,
      '  arguments:',
      ...escalationArgumentLines(ticket).map((line) => `    ${line}`),
    ].join('\n');
  });
  const count = `${tickets.length} pending ticket${tickets.length === 1 ? '' : 's'}`;
  return (
    `${blocks.join('\n\n')}\n\n${count}. ` +
    'Answer with `ironcurtain approve ID [--similar]` or `ironcurtain deny ID` (ID: the id or its code).\n'
  );
}

/**
 * What became of an answer: accepted (with the call it settled, when the ticket was still listed), or who got there
 * first.
 */
export function formatResolveReply(
  reply: ResolveReply,
  decision: 'approved' | 'denied',
  ticket?: PendingTicket,
): string {
  const id = terminalSafe(reply.ticketId);
  if (reply.isAccepted) {
    const call =
      ticket === undefined
        ? ''
        : `: ${callOf(ticket, '.')}\n${escalationArgumentLines(ticket)
            .map((line) => `  ${line}`)
            .join('\n')}`;
    const similar =
      reply.similarPattern === undefined
        ? ''
        : `\nsimilar calls in this session are now allowed: ${terminalSafe(reply.similarPattern)}`;
    return `${decision} ${id}${call}${similar}\n`;
  }
  if (reply.status === 'expired') return `${id} expired before your answer (the call was denied)\n`;
  const by = reply.resolvedBy === undefined ? '' : ` by ${terminalSafe(reply.resolvedBy)}`;
  return `${id} was already ${reply.status}${by}; your answer was not used\n`;
}

function callOf(ticket: PendingTicket, separator: string): string {
  return `${terminalSafe(ticket.serverName, { maxLength: 100 })}${separator}${terminalSafe(ticket.toolName, { maxLength: 100 })}`;
}

/** `2m05s`, `45s`, `1h02m`; negative durations show as `0s`. */
export function durationText(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
