import { z } from 'zod';

/**
 * What a signed decision says. It binds the decision to one call: its id, session, server, tool and the hash of its
 * canonical arguments, under one policy, until `expiresAt`; the nonce makes it single use. `audience`, when present,
 * names the one executor (a gateway process's instance id) that may run it: that executor alone accepts it, so it
 * can remember used nonces in its own memory.
 */
export const DecisionClaims = z.object({
  version: z.literal(1),
  callId: z.string().min(1),
  sessionId: z.string().min(1),
  serverName: z.string().min(1),
  toolName: z.string().min(1),
  argsHash: z.string().regex(/^[0-9a-f]{64}$/),
  decision: z.enum(['allow', 'deny', 'escalate']),
  policyHash: z.string(),
  issuedAt: z.number().int(),
  expiresAt: z.number().int(),
  nonce: z.string().min(16),
  audience: z.string().min(1).optional(),
  /**
   * True when the PDP signed this after the audit-writer answered that the decision record is on disk. Otherwise (the
   * PDP sent the execute while the record was still being written) the executor holds the call until the writer's
   * `audit.evt.decision-durable.v1` says the record is durable: audit before effect either way.
   */
  isRecorded: z.boolean().default(false),
});

/** The parsed claims of a signed decision. */
export type DecisionClaims = z.output<typeof DecisionClaims>;
