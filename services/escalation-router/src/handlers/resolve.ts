import type { Handler } from '@ironcurtain/bus';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { Caller, EscalationResolve } from '@ironcurtain/proto-schemas';
import type { Ticket } from '../domain/ticket.js';
import { approverOf, mayAnswer, type ApprovalPolicy } from '../domain/approval-rights.js';
import type { TicketStore } from '../store/ticket-store.js';
import type { TicketDesk } from '../ticket-desk.js';

/**
 * `escalation.resolve.v1`: the first valid answer wins (KV compare-and-set); later ones get `isAccepted: false`
 * with who resolved it; anything but `approved` denies; an answer after expiry is refused. Only a caller the
 * approval policy lets answer this session's tickets may (FORBIDDEN otherwise, and logged); the approver recorded
 * is the caller's name from the subject (a workstation channel's own naming aside).
 */
export function createResolveHandler(
  desk: TicketDesk,
  store: TicketStore,
  policy: ApprovalPolicy,
  recordRefusal: (caller: Caller, ticket: Ticket) => Promise<void>,
): Handler<typeof EscalationResolve> {
  return async (request, context) => {
    const caller = context.caller;
    if (caller === undefined) throw new AppError(ErrorCode.Forbidden, 'the request names no caller');
    // An unknown ticket is the desk's NOT_FOUND (with how to find the pending ones).
    const stored = await store.get(request.ticketId);
    const owner = stored?.ticket.userId;
    if (stored !== undefined && !mayAnswer(caller, owner, policy)) {
      const message =
        `${caller.name} may not answer escalation ${request.ticketId}: it belongs to another person's session ` +
        `(approvals: ${policy})`;
      context.logger.warn(
        { ticketId: request.ticketId, caller: caller.name, role: caller.role, owner },
        'answer refused: the caller may not answer this escalation',
      );
      // The attempt goes to the trail; a trail that cannot take it does not turn the refusal into an answer.
      await recordRefusal(caller, stored.ticket).catch((error: Error) =>
        context.logger.error({ err: error.message }, 'could not audit a refused answer'),
      );
      throw new AppError(ErrorCode.Forbidden, message);
    }
    const approver = approverOf(caller, request.approver);
    const outcome = await desk.resolve(
      request.ticketId,
      { decision: request.decision, approver, channel: request.channel },
      { allowSimilar: request.allowSimilar },
    );
    const { ticket } = outcome;
    context.logger.info(
      { ticketId: ticket.id, isAccepted: outcome.isAccepted, status: ticket.status, approver },
      outcome.isAccepted ? 'ticket resolved' : 'late answer refused',
    );
    return {
      ticketId: ticket.id,
      isAccepted: outcome.isAccepted,
      status: ticket.status,
      ...(ticket.approver === undefined ? {} : { resolvedBy: ticket.approver }),
      ...(outcome.isAccepted && ticket.similarPattern !== undefined
        ? { similarPattern: ticket.similarPattern }
        : {}),
    };
  };
}
