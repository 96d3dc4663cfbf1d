import type { IncomingHttpHeaders } from 'node:http';
import type { Provider } from './providers.js';

/** Headers that may carry a provider credential; every one is checked and none reaches the upstream as sent. */
export const credentialHeaders = ['x-api-key', 'authorization', 'x-goog-api-key', 'api-key'] as const;

/** A query parameter that carries a key (Google's `?key=`). */
export const credentialQueryParameter = 'key';

/** A credential as the agent presented it. */
export interface PresentedCredential {
  source: string;
  value: string;
}

/** What a sentinel stands for. */
export interface SentinelOwner {
  sessionId: string;
  provider: string;
}

/** The verdict on a request's credentials: the session they identify, or why they are refused. */
export type CredentialVerdict = { isAllowed: true; sessionId: string } | { isAllowed: false; reason: string };

/** Every credential in the request: the headers above (Bearer scheme stripped) and `?key=`. */
export function presentedCredentials(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
): PresentedCredential[] {
  const found: PresentedCredential[] = [];
  for (const name of credentialHeaders) {
    const raw = headers[name];
    for (const value of Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) {
      const trimmed = value.trim();
      const bearer = /^bearer\s+(.+)$/i.exec(trimmed);
      found.push({
        source: name,
        value: name === 'authorization' && bearer !== null ? (bearer[1] ?? '') : trimmed,
      });
    }
  }
  for (const value of query.getAll(credentialQueryParameter)) found.push({ source: 'query key', value });
  return found;
}

/**
 * Decides whether the credentials identify one session on this provider. Refused: no credential, any credential that
 * is not a live sentinel (an agent's own key), a sentinel of another provider, sentinels of two sessions, or a
 * sentinel of another session than the one the tunnel was opened for.
 */
export function judgeCredentials(
  credentials: readonly PresentedCredential[],
  provider: Provider,
  ownerOf: (sentinel: string) => SentinelOwner | undefined,
  tunnelSessionId: string | undefined,
): CredentialVerdict {
  if (credentials.length === 0) {
    return { isAllowed: false, reason: `no key: send the session's ${provider.name} sentinel key` };
  }
  let sessionId: string | undefined;
  for (const credential of credentials) {
    const owner = ownerOf(credential.value);
    if (owner === undefined) {
      return { isAllowed: false, reason: `the ${credential.source} is not a sentinel key of a live session` };
    }
    if (owner.provider !== provider.name) {
      return {
        isAllowed: false,
        reason: `the ${credential.source} is a ${owner.provider} sentinel, not ${provider.name}`,
      };
    }
    if (sessionId !== undefined && owner.sessionId !== sessionId) {
      return { isAllowed: false, reason: 'the request carries sentinels of two sessions' };
    }
    sessionId = owner.sessionId;
  }
  if (sessionId === undefined) return { isAllowed: false, reason: 'no key' };
  if (tunnelSessionId !== undefined && tunnelSessionId !== sessionId) {
    return { isAllowed: false, reason: 'the sentinel belongs to another session than the proxy credentials' };
  }
  return { isAllowed: true, sessionId };
}

/** The upstream's credential header for the real key, in the provider's style; empty when it needs no key. */
export function realKeyHeaders(provider: Provider): Record<string, string> {
  if (provider.realKey === undefined) return {};
  switch (provider.keyStyle) {
    case 'x-api-key':
      return { 'x-api-key': provider.realKey };
    case 'x-goog-api-key':
      return { 'x-goog-api-key': provider.realKey };
    case 'bearer':
      return { authorization: `Bearer ${provider.realKey}` };
  }
}

/** The request target with `?key=` removed (the key travels in a header upstream). */
export function withoutQueryKey(pathWithQuery: string): string {
  const queryStart = pathWithQuery.indexOf('?');
  if (queryStart === -1) return pathWithQuery;
  const query = new URLSearchParams(pathWithQuery.slice(queryStart + 1));
  if (!query.has(credentialQueryParameter)) return pathWithQuery;
  query.delete(credentialQueryParameter);
  const rest = query.toString();
  return `${pathWithQuery.slice(0, queryStart)}${rest === '' ? '' : `?${rest}`}`;
}
