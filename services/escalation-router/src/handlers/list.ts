import type { Handler } from '@ironcurtain/bus';
import type { EscalationList } from '@ironcurtain/proto-schemas';
import { mayAnswer, type ApprovalPolicy } from '../domain/approval-rights.js';
import type { TicketDesk } from '../ticket-desk.js';

/** `escalation.list.v1`: the pending tickets the caller may answer, oldest first, optionally of one session. */
export function createListHandler(desk: TicketDesk, policy: ApprovalPolicy): Handler<typeof EscalationList> {
  return async (request, context) => {
    const tickets = await desk.pending(request.sessionId);
    const caller = context.caller;
    return {
      tickets:
        caller === undefined ? [] : tickets.filter((ticket) => mayAnswer(caller, ticket.userId, policy)),
    };
  };
}
