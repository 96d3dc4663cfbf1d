import type { Handler } from '@ironcurtain/bus';
import type { EscalationResolve } from '@ironcurtain/proto-schemas';
import type { TicketDesk } from '../ticket-desk.js';

/**
 * `escalation.resolve.v1`: the first valid answer wins (KV compare-and-set); later ones get `isAccepted: false`
 * with who resolved it; anything but `approved` denies; an answer after expiry is refused.
 */
export function createResolveHandler(desk: TicketDesk): Handler<typeof EscalationResolve> {
  return async (request, context) => {
    const outcome = await desk.resolve(
      request.ticketId,
      { decision: request.decision, approver: request.approver, channel: request.channel },
      { allowSimilar: request.allowSimilar },
    );
    const { ticket } = outcome;
    context.logger.info(
      {
        ticketId: ticket.id,
        isAccepted: outcome.isAccepted,
        status: ticket.status,
        approver: request.approver,
      },
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
