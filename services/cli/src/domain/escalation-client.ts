import { connectBus, request, type Bus } from '@ironcurtain/bus';
import { EscalationList, EscalationResolve, type ParsedResponseOf } from '@ironcurtain/proto-schemas';
import type { NatsClientSettings } from './stack-services.js';

/** A pending ticket as `escalation.list.v1` returns it. */
export type PendingTicket = ParsedResponseOf<typeof EscalationList>['tickets'][number];
/** The router's answer to `escalation.resolve.v1`. */
export type ResolveReply = ParsedResponseOf<typeof EscalationResolve>;

const requestTimeoutMs = 10_000;

/** Connects as the CLI, runs `work`, and closes the connection whatever happens. */
async function withBus<T>(settings: NatsClientSettings, work: (bus: Bus) => Promise<T>): Promise<T> {
  const bus = await connectBus({
    url: settings.url,
    name: 'ironcurtain-cli',
    user: settings.user,
    password: settings.password,
    credentialsFile: settings.credentialsFile,
  });
  try {
    return await work(bus);
  } finally {
    await bus.close();
  }
}

/** The pending tickets, oldest first, optionally of one session. */
export function listPendingTickets(
  settings: NatsClientSettings,
  sessionId?: string,
): Promise<PendingTicket[]> {
  return withBus(settings, async (bus) => {
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
  return withBus(settings, (bus) =>
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
