import type { Ticket } from './ticket.js';

/** One answer to a ticket, as an approver gave it. */
export interface Answer {
  decision: string;
  approver: string;
  channel: string;
}

/**
 * The status an answer stands for: only the exact word `approved` approves; `denied`, a typo, an empty string or
 * anything else denies. Failing closed means a garbled answer can never let a call through.
 */
export function statusOfDecision(decision: string): 'approved' | 'denied' {
  return decision === 'approved' ? 'approved' : 'denied';
}

/** The ticket once `answer` settles it at `now`. */
export function settledBy(
  ticket: Ticket,
  answer: Answer,
  now: Date,
  extra: Partial<Pick<Ticket, 'autoApproved' | 'whitelistPattern' | 'similarPattern'>> = {},
): Ticket {
  return {
    ...ticket,
    status: statusOfDecision(answer.decision),
    approver: answer.approver,
    channel: answer.channel,
    resolvedAt: now.toISOString(),
    ...extra,
  };
}

/** The ticket once its time ran out: expired, which the opener treats as a deny. */
export function expired(ticket: Ticket, now: Date): Ticket {
  return { ...ticket, status: 'expired', resolvedAt: now.toISOString() };
}
