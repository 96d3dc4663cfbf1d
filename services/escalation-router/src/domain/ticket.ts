import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type {
  EscalationOpen,
  EscalationResolvedEvent,
  EscalationTicket,
  ParsedRequestOf,
  PayloadOf,
  ResponseOf,
} from '@ironcurtain/proto-schemas';

/** A ticket as stored in KV `escalations`. */
export type Ticket = z.output<typeof EscalationTicket>;
/** An `escalation.open.v1` request after parsing. */
export type OpenRequest = ParsedRequestOf<typeof EscalationOpen>;
/** An `escalation.open.v1` reply. */
export type OpenAnswer = ResponseOf<typeof EscalationOpen>;

/**
 * The ticket id of a call: `esc_` + 16 hex digits of sha256(sessionId, callId). Deriving it makes opening
 * idempotent without an index (a second open finds the first ticket under the same key) and keeps two sessions that
 * reuse a call id apart. It is also a valid KV key.
 */
export function ticketIdOf(sessionId: string, callId: string): string {
  return `esc_${createHash('sha256').update(`${sessionId}\n${callId}`).digest('hex').slice(0, 16)}`;
}

/** A new pending ticket for an open request, expiring `expiryMs` from `now`. */
export function pendingTicket(request: OpenRequest, now: Date, expiryMs: number): Ticket {
  return {
    id: ticketIdOf(request.sessionId, request.callId),
    callId: request.callId,
    sessionId: request.sessionId,
    ...(request.userId === undefined ? {} : { userId: request.userId }),
    serverName: request.serverName,
    toolName: request.toolName,
    canonicalArguments: request.canonicalArguments,
    // Shown to the person beside the canonical form; nothing here decides on it.
    ...(request.requestedArguments === undefined ? {} : { requestedArguments: request.requestedArguments }),
    argsHash: request.argsHash,
    reason: request.reason,
    rule: request.rule,
    escalatedRoles: request.escalatedRoles,
    argumentRoles: request.argumentRoles,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + expiryMs).toISOString(),
    status: 'pending',
    autoApproved: false,
  };
}

/**
 * True when a re-sent open is the same call as the stored ticket. A different call under the same session and call
 * id must never inherit the ticket's answer.
 */
export function isSameCall(ticket: Ticket, request: OpenRequest): boolean {
  return (
    ticket.sessionId === request.sessionId &&
    ticket.callId === request.callId &&
    ticket.serverName === request.serverName &&
    ticket.toolName === request.toolName &&
    ticket.argsHash === request.argsHash
  );
}

/** True once a ticket is approved, denied or expired: it never changes again. */
export function isSettled(ticket: Pick<Ticket, 'status'>): boolean {
  return ticket.status !== 'pending';
}

/** True when a pending ticket's time is up. */
export function isDue(ticket: Ticket, now: Date): boolean {
  return ticket.status === 'pending' && now.getTime() >= Date.parse(ticket.expiresAt);
}

/** The reply to the opener: the ticket's state as it stands (`pending` means ask again). */
export function answerOf(ticket: Ticket): OpenAnswer {
  return {
    ticketId: ticket.id,
    status: ticket.status,
    ...(ticket.approver === undefined ? {} : { approver: ticket.approver }),
    ...(ticket.channel === undefined ? {} : { channel: ticket.channel }),
    autoApproved: ticket.autoApproved,
    ...(ticket.whitelistPattern === undefined ? {} : { whitelistPattern: ticket.whitelistPattern }),
    ...(ticket.similarPattern === undefined ? {} : { similarPattern: ticket.similarPattern }),
    expiresAt: ticket.expiresAt,
    ...(ticket.resolvedAt === undefined ? {} : { waitMs: waitMsOf(ticket.createdAt, ticket.resolvedAt) }),
  };
}

// How long a settled ticket waited for its answer (opened to settled), never negative.
function waitMsOf(createdAt: string, resolvedAt: string): number {
  return Math.max(0, Date.parse(resolvedAt) - Date.parse(createdAt));
}

/** The `escalation.evt.resolved.v1` payload of a settled ticket. */
export function resolvedEventOf(ticket: Ticket): PayloadOf<typeof EscalationResolvedEvent> {
  return {
    ticketId: ticket.id,
    sessionId: ticket.sessionId,
    status: ticket.status,
    ...(ticket.approver === undefined ? {} : { approver: ticket.approver }),
    ...(ticket.channel === undefined ? {} : { channel: ticket.channel }),
    autoApproved: ticket.autoApproved,
    ...(ticket.whitelistPattern === undefined ? {} : { whitelistPattern: ticket.whitelistPattern }),
    ...(ticket.similarPattern === undefined ? {} : { similarPattern: ticket.similarPattern }),
  };
}
