// Which waiting call an answer from the phone means. Never a guess: with several waiting and no label, the person
// is asked which one; a label that names nothing is refused.
import { phoneSafeLine } from './phone-text.js';

/** An escalation sent to the phone and not yet answered, with the label the person answers it by. */
export interface PendingEscalation {
  label: number;
  ticketId: string;
  sessionId: string;
  /** What is shown for the call, usually `server.tool`. */
  toolName: string;
  /** ISO 8601, from the ticket. */
  expiresAt: string;
}

/** The ticket an answer goes to, a question to ask back, or why the answer is refused. */
export type AnswerTarget = { ticketId: string; label: number } | { question: string } | { refusal: string };

// A question lists at most this many calls; the rest are counted.
const maximumListed = 20;

/**
 * The ticket `approve`/`deny` (with `label`, or without) answers. No label: the one waiting call, or a question
 * listing them all when there are several. A label: that call, or a refusal naming the labels there are. Nothing
 * waiting: a refusal. Questions and refusals hold no style markers: they read the same in `normal` and `styled`
 * text modes.
 */
export function targetOfAnswer(
  pending: readonly PendingEscalation[],
  label: number | undefined,
): AnswerTarget {
  if (pending.length === 0) return { refusal: 'Nothing is waiting for an answer.' };
  const sorted = pending.toSorted((left, right) => left.label - right.label);
  if (label === undefined) {
    const [only] = sorted;
    if (only !== undefined && sorted.length === 1) return { ticketId: only.ticketId, label: only.label };
    return { question: questionFor(sorted) };
  }
  const chosen = sorted.find((item) => item.label === label);
  if (chosen !== undefined) return { ticketId: chosen.ticketId, label: chosen.label };
  const labels = sorted.map((item) => `#${item.label}`);
  const named = Number.isSafeInteger(label) ? `#${label}` : 'that number';
  return {
    refusal: `There is no ${named} waiting. Waiting: ${listOf(labels)}. Answer "approve #N" or "deny #N".`,
  };
}

/** The lowest positive integer no pending escalation uses as its label. */
export function nextLabel(pending: readonly PendingEscalation[]): number {
  const used = new Set(pending.map((item) => item.label));
  let label = 1;
  while (used.has(label)) label += 1;
  return label;
}

function questionFor(sorted: readonly PendingEscalation[]): string {
  const isOneSession = new Set(sorted.map((item) => item.sessionId)).size === 1;
  const lines = sorted.slice(0, maximumListed).map((item) => {
    const session = isOneSession ? '' : `, session ${phoneSafeLine(item.sessionId, 64)}`;
    return `#${item.label} ${phoneSafeLine(item.toolName, 100)} (expires ${clockTime(item.expiresAt)}${session})`;
  });
  const hidden = sorted.length - lines.length;
  return [
    `${sorted.length} calls are waiting for an answer:`,
    ...lines,
    ...(hidden > 0 ? [`… and ${hidden} more`] : []),
    'Which one? Answer "approve #N" or "deny #N".',
  ].join('\n');
}

function listOf(labels: readonly string[]): string {
  if (labels.length <= maximumListed) return labels.join(', ');
  return `${labels.slice(0, maximumListed).join(', ')} and ${labels.length - maximumListed} more`;
}

/** `14:03 UTC`, or `at an unknown time` for a value that is not a time. */
function clockTime(timestamp: string): string {
  const time = Date.parse(timestamp);
  if (Number.isNaN(time)) return 'at an unknown time';
  return `${new Date(time).toISOString().slice(11, 16)} UTC`;
}
