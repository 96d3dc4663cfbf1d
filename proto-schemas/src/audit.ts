import { z } from 'zod';
import { CallId, Decision, SessionId, Timestamp, ToolArguments } from './common.js';
import { defineEndpoint } from './endpoint.js';

/** One fact for the trail. The writer adds `seq`, `prevHash` and `hash`, and redacts before it writes. */
export const AuditRecordInput = z.object({
  sessionId: SessionId,
  kind: z.enum(['decision', 'outcome', 'escalation', 'egress', 'session', 'verifier']),
  at: Timestamp,
  callId: CallId.optional(),
  serverName: z.string().optional(),
  toolName: z.string().optional(),
  arguments: ToolArguments.optional(),
  decision: Decision.optional(),
  rule: z.string().optional(),
  reason: z.string().optional(),
  policyHash: z.string().optional(),
  sandboxed: z.boolean().optional(),
  autoApproved: z.boolean().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const AuditRecord = AuditRecordInput.extend({
  seq: z.number().int().nonnegative(),
  prevHash: z.string(),
  hash: z.string(),
});

export const AuditAppend = defineEndpoint({
  subject: 'audit.append.v1',
  description: 'Append one record; replies only after it is on disk (fsync).',
  request: z.object({ record: AuditRecordInput }),
  response: z.object({ seq: z.number().int().nonnegative(), hash: z.string() }),
});

export const AuditQuery = defineEndpoint({
  subject: 'audit.query.v1',
  description: 'Read records of one session, oldest first.',
  request: z.object({
    sessionId: SessionId,
    afterSeq: z.number().int().min(-1).default(-1),
    limit: z.number().int().min(1).max(10_000).default(1000),
  }),
  response: z.object({ records: z.array(AuditRecord), hasMore: z.boolean() }),
});

export const AuditVerify = defineEndpoint({
  subject: 'audit.verify.v1',
  description: 'Check the hash chain of one session trail.',
  request: z.object({ sessionId: SessionId }),
  response: z.object({
    isValid: z.boolean(),
    records: z.number().int().nonnegative(),
    firstBadSeq: z.number().int().optional(),
    problem: z.string().optional(),
  }),
});
