import { request } from '@ironcurtain/bus';
import { EscalationList, EscalationResolve, type ParsedResponseOf } from '@ironcurtain/proto-schemas';
import type { NatsClientSettings } from '../stack/stack-services.js';
import { withCliBus } from '../cli-bus.js';

/** A pending ticket as `escalation.list.v1` returns it. */
export type PendingTicket = ParsedResponseOf<typeof EscalationList>['tickets'][number];
/** The router's answer to `escalation.resolve.v1`. */
export type ResolveReply = ParsedResponseOf<typeof EscalationResolve>;

const requestTimeoutMs = 10_000;

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

/** Answers one ticket from this terminal. */
export function answerTicket(
  settings: NatsClientSettings,
  answer: { ticketId: string; decision: 'approved' | 'denied'; approver: string; allowSimilar: boolean },
): Promise<ResolveReply> {
  return withCliBus(settings, (bus) =>
    request(
      bus,
      EscalationResolve,
      {
        ticketId: answer.ticketId,
        decision: answer.decision,
        approver: answer.approver,
        channel: 'terminal',
        allowSimilar: answer.allowSimilar,
      },
      { timeoutMs: requestTimeoutMs },
    ),
  );
}
