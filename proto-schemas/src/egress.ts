import { z } from 'zod';
import { SessionId } from './common.js';
import { defineEvent } from './endpoint.js';

export const EgressRequestEvent = defineEvent({
  subject: 'egress.evt.request.v1',
  description: 'One proxied (or refused) request.',
  payload: z.object({
    sessionId: SessionId.optional(),
    host: z.string(),
    method: z.string(),
    path: z.string(),
    status: z.number().int(),
    bytes: z.number().int().nonnegative(),
    decision: z.enum(['allow', 'deny']),
    reason: z.string().optional(),
  }),
});

export const EgressLlmUsageEvent = defineEvent({
  subject: 'egress.evt.llm-usage.v1',
  description: 'Token usage the provider reported for one response.',
  payload: z.object({
    sessionId: SessionId,
    provider: z.string(),
    model: z.string(),
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
    cacheReadTokens: z.number().int().nonnegative().optional(),
    cacheWriteTokens: z.number().int().nonnegative().optional(),
  }),
});
