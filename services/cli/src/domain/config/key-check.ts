import type { LlmProvider } from '@ironcurtain/llm';

/** What a key check asks: the provider and the model name (without `provider:`) the person chose. */
export interface KeyCheckRequest {
  readonly provider: LlmProvider;
  readonly model: string;
}

/**
 * How a key check ended: `ok` (the provider accepted the key), `refused` (it answered 401/403: the provider refused
 * the key), `unreachable` (the provider, or the egress, could not be reached) or `failed` (any other answer, e.g. an
 * unknown model or no key in the egress). `detail` is written for the person and never holds a key.
 */
export interface KeyCheckOutcome {
  readonly kind: 'ok' | 'refused' | 'unreachable' | 'failed';
  readonly detail: string;
}

/** One HTTP request to the egress (reverse mode: the path starts with the provider's base path). */
export interface EgressProbeRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** The egress as a key check uses it, as plain functions (the CLI binds them to the bus and HTTP). */
export interface EgressProbe {
  /** `egress.session-open.v1` for a throwaway session: its sentinels and the reverse-mode base paths. */
  openSession(sessionId: string): Promise<{
    sentinels: Readonly<Record<string, string>>;
    reverseBasePaths?: Readonly<Record<string, string>> | undefined;
  }>;
  /** `egress.session-close.v1`: the sentinels stop working. */
  closeSession(sessionId: string): Promise<void>;
  /** Sends one request to the egress; rejects when the egress cannot be reached. */
  send(request: EgressProbeRequest): Promise<{ status: number; body: string }>;
}

// A model name that can stand in a path segment as it is (the egress refuses percent-encoded separators).
const plainModelName = /^[A-Za-z0-9._-]+$/;

/**
 * Checks the provider key the egress holds with one cheap request through it, as an agent's request would go: the
 * CLI holds only a sentinel of a throwaway egress session, and the egress swaps in the real key. Anthropic and
 * OpenAI: `GET /v1/models/<model>` (free; also says whether the model exists). Google: one `generateContent` of at
 * most one output token (the egress allows no model listing there). Ollama and OpenAI-compatible endpoints:
 * `GET <base>/models`. The session is closed whatever happens.
 */
export async function checkKeyThroughEgress(
  request: KeyCheckRequest,
  probe: EgressProbe,
  sessionId: string,
): Promise<KeyCheckOutcome> {
  let session;
  try {
    session = await probe.openSession(sessionId);
  } catch (error) {
    return { kind: 'unreachable', detail: `the egress did not open a session: ${(error as Error).message}` };
  }
  try {
    const sentinel = session.sentinels[request.provider];
    if (sentinel === undefined) {
      return {
        kind: 'failed',
        detail: `the egress knows no provider ${request.provider} (is its base URL set?)`,
      };
    }
    const basePath = session.reverseBasePaths?.[request.provider] ?? `/${request.provider}/v1`;
    const probeRequest = providerProbe(request, basePath, sentinel);
    let answer;
    try {
      answer = await probe.send(probeRequest);
    } catch (error) {
      return { kind: 'unreachable', detail: `the egress did not answer: ${(error as Error).message}` };
    }
    return classifyAnswer(request, answer.status, answer.body);
  } finally {
    await probe.closeSession(sessionId).catch(() => undefined);
  }
}

function providerProbe(request: KeyCheckRequest, basePath: string, sentinel: string): EgressProbeRequest {
  const isPlain = plainModelName.test(request.model);
  switch (request.provider) {
    case 'anthropic':
      return {
        method: 'GET',
        path: isPlain ? `${basePath}/models/${request.model}` : `${basePath}/models`,
        headers: { 'x-api-key': sentinel, 'anthropic-version': '2023-06-01' },
      };
    case 'openai':
      return {
        method: 'GET',
        path: isPlain ? `${basePath}/models/${request.model}` : `${basePath}/models`,
        headers: { authorization: `Bearer ${sentinel}` },
      };
    case 'google':
      return {
        method: 'POST',
        path: `${basePath}/models/${request.model}:generateContent`,
        headers: { 'x-goog-api-key': sentinel, 'content-type': 'application/json' },
        body: JSON.stringify({
          contents: [{ role: 'user', parts: [{ text: 'Say ok.' }] }],
          generationConfig: { maxOutputTokens: 1 },
        }),
      };
    default:
      return { method: 'GET', path: `${basePath}/models`, headers: { authorization: `Bearer ${sentinel}` } };
  }
}

/** What an answer means. The provider's body is not repeated (only the egress's own refusals are). */
export function classifyAnswer(request: KeyCheckRequest, status: number, body: string): KeyCheckOutcome {
  const egressRefusal = egressRefusalOf(body);
  if (egressRefusal !== undefined) {
    if (status === 502)
      return { kind: 'unreachable', detail: `the provider could not be reached (${egressRefusal})` };
    return { kind: 'failed', detail: `the egress refused the check (HTTP ${status}): ${egressRefusal}` };
  }
  if (status >= 200 && status < 300) return { kind: 'ok', detail: `${request.provider} accepted the key` };
  const isGoogleBadKey =
    request.provider === 'google' && status === 400 && /API_KEY_INVALID|API key not valid/.test(body);
  if (status === 401 || status === 403 || isGoogleBadKey) {
    return { kind: 'refused', detail: `the provider refused the key (HTTP ${status})` };
  }
  if (status === 404 && request.provider !== 'ollama' && request.provider !== 'openai-compatible') {
    return {
      kind: 'failed',
      detail: `the key works, but ${request.provider} knows no model ${request.model} (HTTP 404)`,
    };
  }
  if (status === 404)
    return {
      kind: 'failed',
      detail: 'the endpoint answered 404: check its base URL (it usually ends in /v1)',
    };
  if (status === 429)
    return {
      kind: 'failed',
      detail: 'the provider answered 429: rate limited, or the account has no credit',
    };
  return { kind: 'failed', detail: `the provider answered HTTP ${status}` };
}

function egressRefusalOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { type?: unknown; message?: unknown } };
    if (parsed.error?.type !== 'egress_denied') return undefined;
    return typeof parsed.error.message === 'string' ? parsed.error.message : 'refused';
  } catch {
    return undefined;
  }
}
