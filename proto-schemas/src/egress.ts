import { z } from 'zod';
import { SessionId } from './common.js';
import { defineEndpoint, defineEvent } from './endpoint.js';

/** A provider name as mitm-egress knows it: `anthropic`, `openai`, `google`, or a configured OpenAI-compatible one. */
export const EgressProviderName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'provider names are a-z 0-9 -');

export const EgressSessionOpen = defineEndpoint({
  subject: 'egress.session-open.v1',
  description:
    'Issue sentinel keys and a proxy token for a session (replacing any it had); the proxy swaps sentinels for the real keys.',
  request: z.object({ sessionId: SessionId }),
  response: z.object({
    sessionId: SessionId,
    /** Provider name → the session's sentinel key for it. Hand these to the agent instead of real keys. */
    sentinels: z.record(EgressProviderName, z.string()),
    /** Proxy-Authorization Basic password (user = session id): binds a CONNECT tunnel to the session. */
    proxyToken: z.string(),
    /** The local CA certificate (PEM) the agent must trust (NODE_EXTRA_CA_CERTS); never the key. */
    caCertificatePem: z.string(),
  }),
});

export const EgressSessionClose = defineEndpoint({
  subject: 'egress.session-close.v1',
  description:
    "Revoke a session's sentinel keys and proxy token; requests carrying them are refused from then on.",
  request: z.object({ sessionId: SessionId }),
  response: z.object({ sessionId: SessionId, wasOpen: z.boolean() }),
});

/** A host a session may reach besides the providers: a lower-case DNS name (no IP literals, no wildcards). */
export const EgressHostName = z
  .string()
  .regex(
    /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/,
    'a lower-case DNS name such as docs.python.org',
  );

export const EgressSessionHosts = defineEndpoint({
  subject: 'egress.session-hosts.v1',
  description:
    "Add or remove hosts (port 443) a session may reach through the proxy, after the policy allowed it (the `proxy` virtual tools); replies with the session's list.",
  request: z.object({
    sessionId: SessionId,
    add: z.array(EgressHostName).max(50).default([]),
    remove: z.array(EgressHostName).max(50).default([]),
  }),
  response: z.object({ sessionId: SessionId, hosts: z.array(z.string()) }),
});

export const EgressRequestEvent = defineEvent({
  subject: 'egress.evt.request.v1',
  description: 'One proxied (or refused) request.',
  payload: z.object({
    sessionId: SessionId.optional(),
    host: z.string(),
    method: z.string(),
    /** The path without its query (a query may carry a key). */
    path: z.string(),
    status: z.number().int(),
    /** Response body bytes sent to the agent. */
    bytes: z.number().int().nonnegative(),
    decision: z.enum(['allow', 'deny']),
    reason: z.string().optional(),
    provider: EgressProviderName.optional(),
    /** Request body bytes received from the agent. */
    requestBytes: z.number().int().nonnegative().optional(),
    /** `forward` (CONNECT tunnel) or `reverse` (`/<provider>/…` on the egress itself). */
    mode: z.enum(['forward', 'reverse']).optional(),
    durationMs: z.number().nonnegative().optional(),
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
