import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { Handler, HandlerContext } from '@ironcurtain/bus';
import type { EscalationOpen } from '@ironcurtain/proto-schemas';
import type { AutoApprover } from '../domain/auto-approver.js';
import {
  answerOf,
  isSameCall,
  isSettled,
  pendingTicket,
  ticketIdOf,
  type OpenAnswer,
  type OpenRequest,
  type Ticket,
} from '../domain/ticket.js';
import { describePattern, matchesPattern } from '../domain/whitelist-pattern.js';
import type { TicketStore } from '../store/ticket-store.js';
import type { WhitelistStore } from '../store/whitelist-store.js';
import type { TicketDesk } from '../ticket-desk.js';

/** What opening a ticket needs. */
export interface OpenDependencies {
  store: TicketStore;
  desk: TicketDesk;
  whitelists: WhitelistStore;
  autoApprover: AutoApprover | undefined;
  expiryMs: number;
  onOpened(ticket: Ticket): void;
  onSettled(ticket: Ticket): void;
  now(): Date;
}

/**
 * `escalation.open.v1`: a known call (same session and call id) gets its ticket back, waited on again; a new call is
 * first checked against the session whitelist (a match is approved at once), then stored pending, shown to the
 * auto-approver when one is on, and otherwise announced for a human. The reply comes when the ticket settles, or
 * with status `pending` after `waitSeconds` so the opener asks again (which is how it outlives a router restart).
 */
export function createOpenHandler(deps: OpenDependencies): Handler<typeof EscalationOpen> {
  return async (request, context) => {
    // The hold counts from arrival, so time spent with the auto-approver does not push the reply past the opener's
    // deadline.
    const holdUntil = deps.now().getTime() + request.waitSeconds * 1000;
    const existing = await deps.store.get(ticketIdOf(request.sessionId, request.callId));
    if (existing !== undefined)
      return waitForAnswer(deps, checkedSameCall(existing.ticket, request), holdUntil);
    const ticket = await openNewTicket(deps, request, context);
    return waitForAnswer(deps, ticket, holdUntil);
  };
}

async function openNewTicket(
  deps: OpenDependencies,
  request: OpenRequest,
  context: HandlerContext,
): Promise<Ticket> {
  const now = deps.now();
  const fresh = pendingTicket(request, now, deps.expiryMs);
  const patterns = await deps.whitelists.patternsOf(request.sessionId);
  const match = patterns.find((pattern) => matchesPattern(pattern, request));
  if (match !== undefined) {
    const approved: Ticket = {
      ...fresh,
      status: 'approved',
      approver: 'whitelist',
      channel: 'whitelist',
      resolvedAt: now.toISOString(),
      whitelistPattern: describePattern(match),
    };
    if (!(await deps.store.create(approved))) return existingTicket(deps, request);
    deps.onSettled(approved);
    return approved;
  }
  if (!(await deps.store.create(fresh))) return existingTicket(deps, request);
  if (deps.autoApprover !== undefined) {
    const reviewed = await autoReview(deps, deps.autoApprover, fresh, request, context);
    if (reviewed !== undefined) return reviewed;
  }
  deps.onOpened(fresh);
  return fresh;
}

/** Runs the auto-approver; the settled ticket when it approved (and won), else undefined (a human decides). */
async function autoReview(
  deps: OpenDependencies,
  autoApprover: AutoApprover,
  ticket: Ticket,
  request: OpenRequest,
  context: HandlerContext,
): Promise<Ticket | undefined> {
  const verdict = await autoApprover.review(ticket, request.userMessage);
  context.logger.info(
    { ticketId: ticket.id, autoApproval: verdict.decision, reasoning: verdict.reasoning },
    'auto-approver reviewed a ticket',
  );
  if (verdict.decision !== 'approve') return undefined;
  const outcome = await deps.desk.resolve(
    ticket.id,
    { decision: 'approved', approver: 'auto-approver', channel: `llm:${autoApprover.modelId}` },
    { autoApproved: true },
  );
  // Lost to a human who answered meanwhile: their answer stands, and the ticket is already settled.
  return outcome.ticket;
}

async function existingTicket(deps: OpenDependencies, request: OpenRequest): Promise<Ticket> {
  const stored = await deps.store.get(ticketIdOf(request.sessionId, request.callId));
  if (stored === undefined) {
    throw new AppError(ErrorCode.Conflict, `the ticket of call ${request.callId} vanished; open it again`, {
      retryable: true,
    });
  }
  return checkedSameCall(stored.ticket, request);
}

function checkedSameCall(ticket: Ticket, request: OpenRequest): Ticket {
  if (isSameCall(ticket, request)) return ticket;
  throw new AppError(
    ErrorCode.Conflict,
    `call ${request.callId} of session ${request.sessionId} already has a ticket for a different call`,
  );
}

async function waitForAnswer(deps: OpenDependencies, ticket: Ticket, holdUntil: number): Promise<OpenAnswer> {
  if (isSettled(ticket)) return answerOf(ticket);
  const now = deps.now().getTime();
  const untilExpiry = Date.parse(ticket.expiresAt) - now;
  const holdMs = Math.max(0, Math.min(holdUntil - now, untilExpiry));
  const settled = await deps.desk.waitForSettled(ticket.id, holdMs);
  if (settled !== undefined) return answerOf(settled);
  // Held until the expiry: settle it here rather than trust a timer, so the opener gets the final answer now.
  if (untilExpiry <= holdMs) return answerOf((await deps.desk.expireIfDue(ticket.id)) ?? ticket);
  // Still pending (or the router is stopping): the opener asks again.
  return answerOf(ticket);
}
