import { z } from 'zod';
import { CallId, EscalationStatus, SessionId, Timestamp, ToolArguments } from './common.js';
import { defineEndpoint, defineEvent } from './endpoint.js';

export const EscalationTicket = z.object({
  id: z.string().min(1),
  callId: CallId,
  sessionId: SessionId,
  userId: z.string().optional(),
  serverName: z.string(),
  toolName: z.string(),
  canonicalArguments: ToolArguments,
  argsHash: z.string(),
  reason: z.string(),
  rule: z.string(),
  escalatedRoles: z.array(z.string()),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  status: EscalationStatus,
  approver: z.string().optional(),
  channel: z.string().optional(),
});

export const EscalationOpen = defineEndpoint({
  subject: 'escalation.open.v1',
  description: 'Open a ticket (idempotent by callId); replies once it is resolved or expired.',
  request: z.object({
    callId: CallId,
    sessionId: SessionId,
    userId: z.string().optional(),
    serverName: z.string().min(1),
    toolName: z.string().min(1),
    canonicalArguments: ToolArguments,
    argsHash: z.string(),
    reason: z.string(),
    rule: z.string(),
    escalatedRoles: z.array(z.string()).default([]),
    userMessage: z.string().max(20_000).optional(),
  }),
  response: z.object({
    ticketId: z.string(),
    status: z.enum(['approved', 'denied', 'expired']),
    approver: z.string().optional(),
    channel: z.string().optional(),
    autoApproved: z.boolean().default(false),
    whitelistPattern: z.string().optional(),
  }),
});

export const EscalationResolve = defineEndpoint({
  subject: 'escalation.resolve.v1',
  description: 'Answer a ticket; the first valid answer wins. Anything but "approved" counts as denied.',
  request: z.object({
    ticketId: z.string().min(1),
    decision: z.string(),
    approver: z.string().min(1),
    channel: z.string().min(1),
    allowSimilar: z.boolean().default(false),
  }),
  response: z.object({
    ticketId: z.string(),
    isAccepted: z.boolean(),
    status: EscalationStatus,
    resolvedBy: z.string().optional(),
  }),
});

export const EscalationList = defineEndpoint({
  subject: 'escalation.list.v1',
  description: 'Pending tickets, optionally for one session.',
  request: z.object({ sessionId: SessionId.optional() }),
  response: z.object({ tickets: z.array(EscalationTicket) }),
});

export const EscalationOpenedEvent = defineEvent({
  subject: 'escalation.evt.opened.v1',
  description: 'A ticket waits for an answer.',
  payload: z.object({ ticket: EscalationTicket }),
});

export const EscalationResolvedEvent = defineEvent({
  subject: 'escalation.evt.resolved.v1',
  description: 'A ticket was answered or expired.',
  payload: z.object({
    ticketId: z.string(),
    sessionId: SessionId,
    status: EscalationStatus,
    approver: z.string().optional(),
    channel: z.string().optional(),
  }),
});
