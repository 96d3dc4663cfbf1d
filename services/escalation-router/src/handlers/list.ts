import type { Handler } from '@ironcurtain/bus';
import type { EscalationList } from '@ironcurtain/proto-schemas';
import type { TicketDesk } from '../ticket-desk.js';

/** `escalation.list.v1`: pending tickets, oldest first, optionally of one session. */
export function createListHandler(desk: TicketDesk): Handler<typeof EscalationList> {
  return async (request) => ({ tickets: await desk.pending(request.sessionId) });
}
