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

/**
 * Arguments too large to send: their size and hash instead of them. `bytes` is the length in UTF-8 of their JSON text
 * (`JSON.stringify(arguments)`), `sha256` the lowercase hex SHA-256 of that text.
 */
export const OversizeArguments = z.object({
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256 (64 characters)'),
});

/**
 * The most argument bytes (JSON text, UTF-8) a tool call may carry on a bus whose largest message is
 * `maxPayloadBytes`: three quarters of it. The rest is for what travels with the arguments on the PDP's way (the
 * envelope and headers, the user's message and the reason in an escalation, the audit record's other fields, the
 * signed decision). A caller sends larger arguments as {@link OversizeArguments}; the PDP denies them either way.
 */
export function maximumToolArgumentBytes(maxPayloadBytes: number): number {
  return Math.floor((maxPayloadBytes * 3) / 4);
}

/**
 * A tool call as the agent asked for it: the only way anything gets executed. It carries either the `arguments`, or,
 * when they are too large for the bus ({@link maximumToolArgumentBytes}), `oversize` (their size and hash) so that
 * the PDP can still deny and audit the call; never both.
 */
export const ToolCallRequest = z
  .object({
    callId: CallId,
    sessionId: SessionId,
    userId: z.string().min(1).optional(),
    serverName: z.string().min(1),
    toolName: z.string().min(1),
    arguments: ToolArguments.optional(),
    oversize: OversizeArguments.optional(),
    /** The user's latest message: trusted context for the auto-approver. */
    userMessage: z.string().max(20_000).optional(),
    /**
     * 2 when the same call (same `callId`) is sent again because its first attempt got no answer (the PDP or the bus
     * failed): the PDP then looks up what became of it (the trail, the gateway's memory) before it decides anything,
     * so the call never runs twice.
     */
    attempt: z.number().int().min(1).max(2).default(1),
  })
  .refine((call) => (call.arguments === undefined) !== (call.oversize === undefined), {
    message:
      'a tool call carries either arguments or oversize (their size and hash), not both and not neither',
    path: ['arguments'],
  });

/**
 * The end of a call's life: executed, or denied with a reason the agent can read. `unknown`: the call was allowed
 * and recorded, then the part running it failed before saying how it went — it may have run; the message says to
 * check before repeating it.
 */
export const ToolCallResponse = z.object({
  callId: CallId,
  outcome: z.enum(['executed', 'denied', 'failed', 'unknown']),
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
  description:
    'The reference monitor: prepare, evaluate, escalate, audit, execute, audit, reply. Sends progress while it ' +
    'works; idempotent by callId (a retry, attempt 2, never runs the call twice).',
  request: ToolCallRequest,
  response: ToolCallResponse,
  progressIntervalMs: 1000,
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
