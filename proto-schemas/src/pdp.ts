import { z } from 'zod';
import {
  CallId,
  Decision,
  EscalationStatus,
  PolicyDecision,
  SessionId,
  Timestamp,
  ToolArguments,
  ToolContent,
} from './common.js';
import { defineEndpoint, defineEvent } from './endpoint.js';

/** A tool call as the agent asked for it: the only way anything gets executed. */
export const ToolCallRequest = z.object({
  callId: CallId,
  sessionId: SessionId,
  userId: z.string().min(1).optional(),
  serverName: z.string().min(1),
  toolName: z.string().min(1),
  arguments: ToolArguments,
  /** The user's latest message: trusted context for the auto-approver. */
  userMessage: z.string().max(20_000).optional(),
});

/** The end of a call's life: executed, or denied with a reason the agent can read. */
export const ToolCallResponse = z.object({
  callId: CallId,
  outcome: z.enum(['executed', 'denied', 'failed']),
  decision: PolicyDecision,
  /** For the agent: the result summary or `DENIED: …` / `ESCALATION DENIED: …`. */
  message: z.string(),
  content: z.array(ToolContent).optional(),
  isError: z.boolean().optional(),
  escalation: z
    .object({ ticketId: z.string(), status: EscalationStatus, approver: z.string().optional() })
    .optional(),
  policyHash: z.string().optional(),
});

export const PdpToolCall = defineEndpoint({
  subject: 'pdp.toolcall.v1',
  description: 'The reference monitor: prepare, evaluate, escalate, audit, execute, audit, reply.',
  request: ToolCallRequest,
  response: ToolCallResponse,
});

export const PdpEvaluate = defineEndpoint({
  subject: 'pdp.evaluate.v1',
  description: 'Dry run: what the active policy would decide for a call, with nothing executed.',
  request: z.object({
    sessionId: SessionId.optional(),
    serverName: z.string().min(1),
    toolName: z.string().min(1),
    arguments: ToolArguments,
  }),
  response: PolicyDecision.extend({ policyHash: z.string() }),
});

export const PdpDecisionEvent = defineEvent({
  subject: 'pdp.evt.decision.v1',
  description: 'One per decided call, after it is audited.',
  payload: z.object({
    callId: CallId,
    sessionId: SessionId,
    serverName: z.string(),
    toolName: z.string(),
    decision: Decision,
    rule: z.string(),
    reason: z.string(),
    policyHash: z.string(),
    at: Timestamp,
  }),
});
