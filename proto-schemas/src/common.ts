import { z } from 'zod';

/** A session id: what `sessions/<id>/` and audit files are named after, so no path characters. */
export const SessionId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'session ids are 1-64 of A-Z a-z 0-9 _ -');

/** A tool call id, unique per call; escalation tickets and audit records refer to it. */
export const CallId = z.string().min(1).max(128);

/** The three answers of the policy. */
export const Decision = z.enum(['allow', 'deny', 'escalate']);

/** Arguments as the agent sent them: any JSON object. Checked against the tool's schema by the gateway. */
export const ToolArguments = z.record(z.string(), z.unknown());

/** What the engine says about one call (POLICY-SEMANTICS.md). `rule` ids are part of the contract. */
export const PolicyDecision = z.object({
  decision: Decision,
  rule: z.string().min(1),
  reason: z.string(),
  escalatedRoles: z.array(z.string()).optional(),
});

/** A content block of an MCP tool result (text, image, resource …); kept open, the gateway passes it through. */
export const ToolContent = z.looseObject({ type: z.string() });

/** ISO-8601 timestamp. */
export const Timestamp = z.iso.datetime({ offset: true });

/** The outcome of an escalation ticket. */
export const EscalationStatus = z.enum(['pending', 'approved', 'denied', 'expired']);
