import type { PendingTicket, ResolveReply } from './escalation-client.js';

const maxStringLength = 120;
const maxArgumentsLength = 600;
// What a terminal may act on: control characters (JSON.stringify escapes C0 but leaves DEL and C1, and 0x9b is a
// CSI), and format characters such as bidi overrides that make the shown text differ from the real one.
const terminalUnsafe = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/** The pending tickets, one block each, and how to answer them. */
export function formatPendingTickets(tickets: readonly PendingTicket[], now: Date): string {
  if (tickets.length === 0) return 'no pending escalations\n';
  const blocks = tickets.map((ticket) => {
    const waited = durationText(now.getTime() - Date.parse(ticket.createdAt));
    const left = durationText(Date.parse(ticket.expiresAt) - now.getTime());
    return [
      `${ticket.id}  ${safe(ticket.serverName)}/${safe(ticket.toolName)}  session ${ticket.sessionId}  ` +
        `waiting ${waited} (expires in ${left})`,
      `  reason:    ${safe(ticket.reason)} (rule ${safe(ticket.rule)})`,
      `  arguments: ${argumentsText(ticket.canonicalArguments)}`,
    ].join('\n');
  });
  const count = `${tickets.length} pending ticket${tickets.length === 1 ? '' : 's'}`;
  return (
    `${blocks.join('\n\n')}\n\n${count}. ` +
    'Answer with `ironcurtain approve ID [--similar]` or `ironcurtain deny ID`.\n'
  );
}

/** What became of an answer: accepted, or who got there first. */
export function formatResolveReply(reply: ResolveReply, decision: 'approved' | 'denied'): string {
  if (reply.isAccepted) {
    const similar =
      reply.similarPattern === undefined
        ? ''
        : `\nsimilar calls in this session are now allowed: ${safe(reply.similarPattern)}`;
    return `${decision} ${reply.ticketId}${similar}\n`;
  }
  if (reply.status === 'expired')
    return `${reply.ticketId} expired before your answer (the call was denied)\n`;
  const by = reply.resolvedBy === undefined ? '' : ` by ${safe(reply.resolvedBy)}`;
  return `${reply.ticketId} was already ${reply.status}${by}; your answer was not used\n`;
}

/** The canonical arguments as compact JSON: long strings cut, terminal-unsafe characters escaped. */
export function argumentsText(values: Readonly<Record<string, unknown>>): string {
  const json = JSON.stringify(values, (_key, value: unknown) =>
    typeof value === 'string' && value.length > maxStringLength
      ? `${value.slice(0, maxStringLength)}…`
      : value,
  );
  const text = safe(json);
  return text.length > maxArgumentsLength ? `${text.slice(0, maxArgumentsLength)}…` : text;
}

function safe(text: string): string {
  return text.replace(terminalUnsafe, (character) => {
    return `\\u${character.codePointAt(0)?.toString(16).padStart(4, '0') ?? ''}`;
  });
}

/** `2m05s`, `45s`, `1h02m`; negative durations show as `0s`. */
export function durationText(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
