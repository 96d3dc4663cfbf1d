import { request } from '@ironcurtain/bus';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { EscalationList, EscalationResolve, type ParsedResponseOf } from '@ironcurtain/proto-schemas';
import { isTicketNamedBy, terminalSafe } from '@ironcurtain/terminal-text';
import type { NatsClientSettings } from '../stack/stack-services.js';
import { withCliBus } from '../cli-bus.js';

/** A pending ticket as `escalation.list.v1` returns it. */
export type PendingTicket = ParsedResponseOf<typeof EscalationList>['tickets'][number];
/** The router's answer to `escalation.resolve.v1`. */
export type ResolveReply = ParsedResponseOf<typeof EscalationResolve>;

const requestTimeoutMs = 10_000;
const wholeTicketId = /^esc_[0-9a-f]{16}$/;

/** The pending tickets, oldest first, optionally of one session. */
export function listPendingTickets(
  settings: NatsClientSettings,
  sessionId?: string,
): Promise<PendingTicket[]> {
  return withCliBus(settings, async (bus) => {
    const reply = await request(bus, EscalationList, sessionId === undefined ? {} : { sessionId }, {
      timeoutMs: requestTimeoutMs,
    });
    return reply.tickets;
  });
}

/**
 * Answers one ticket from this terminal. `ticket` is its id or short code; the pending ticket it names is looked up
 * first, so the answer can say which call it settled. A code that names no pending ticket, or several, is refused.
 */
export function answerTicket(
  settings: NatsClientSettings,
  answer: { ticket: string; decision: 'approved' | 'denied'; approver: string; allowSimilar: boolean },
): Promise<{ reply: ResolveReply; ticket: PendingTicket | undefined }> {
  return withCliBus(settings, async (bus) => {
    const { tickets } = await request(bus, EscalationList, {}, { timeoutMs: requestTimeoutMs });
    const ticket = namedTicket(tickets, answer.ticket);
    const ticketId = ticket?.id ?? answer.ticket;
    const reply = await request(
      bus,
      EscalationResolve,
      {
        ticketId,
        decision: answer.decision,
        approver: answer.approver,
        channel: 'terminal',
        allowSimilar: answer.allowSimilar,
      },
      { timeoutMs: requestTimeoutMs },
    );
    return { reply, ticket };
  });
}

function namedTicket(tickets: readonly PendingTicket[], name: string): PendingTicket | undefined {
  const named = tickets.filter((ticket) => isTicketNamedBy(ticket.id, name));
  if (named.length === 1) return named[0];
  if (named.length > 1) {
    const ids = named.map((ticket) => terminalSafe(ticket.id)).join(', ');
    throw new AppError(
      ErrorCode.Conflict,
      `${terminalSafe(name)} names more than one ticket (${ids}): give the whole id`,
    );
  }
  if (wholeTicketId.test(name)) return undefined;
  throw new AppError(
    ErrorCode.NotFound,
    `no pending ticket has the id or code ${terminalSafe(name, { maxLength: 40 })} ` +
      '(`ironcurtain escalations` lists the pending ones with their codes)',
  );
}
