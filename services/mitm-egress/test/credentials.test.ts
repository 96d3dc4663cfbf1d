import { describe, expect, it } from 'vitest';
import {
  judgeCredentials,
  presentedCredentials,
  realKeyHeaders,
  withoutQueryKey,
  type SentinelOwner,
} from '../src/domain/credentials.js';
import { upstreamRequestHeaders } from '../src/domain/forward-headers.js';
import { createProviders, indexProviders, type Provider } from '../src/domain/providers.js';
import { createSentinel } from '../src/domain/sentinels.js';

const providers = indexProviders(
  createProviders({ anthropic: 'real-a', openai: 'real-o', google: 'real-g' }, []),
);
const provider = (name: string): Provider => providers.byName(name) as Provider;
const owners = new Map<string, SentinelOwner>([
  ['sk-ant-ic-A', { sessionId: 'sess-a', provider: 'anthropic' }],
  ['sk-ant-ic-B', { sessionId: 'sess-b', provider: 'anthropic' }],
  ['sk-ic-A', { sessionId: 'sess-a', provider: 'openai' }],
  ['AIza-ic-A', { sessionId: 'sess-a', provider: 'google' }],
]);
const ownerOf = (key: string) => owners.get(key);
const judge = (headers: Record<string, string | string[]>, name = 'anthropic', query = '', tunnel?: string) =>
  judgeCredentials(
    presentedCredentials(headers, new URLSearchParams(query)),
    provider(name),
    ownerOf,
    tunnel,
  );

describe('sentinel keys [EGRESS-3]', () => {
  it('makes sentinels of the provider prefix and 192 random bits', () => {
    const sentinel = createSentinel('sk-ant-ic-');
    expect(sentinel).toMatch(/^sk-ant-ic-[A-Za-z0-9_-]{32}$/);
    expect(createSentinel('sk-ant-ic-')).not.toBe(sentinel);
  });

  it('accepts the session sentinel in any credential header style', () => {
    expect(judge({ 'x-api-key': 'sk-ant-ic-A' })).toEqual({ isAllowed: true, sessionId: 'sess-a' });
    expect(judge({ authorization: 'Bearer sk-ant-ic-A' })).toEqual({ isAllowed: true, sessionId: 'sess-a' });
    expect(judge({ authorization: 'Bearer sk-ic-A' }, 'openai')).toEqual({
      isAllowed: true,
      sessionId: 'sess-a',
    });
    expect(judge({}, 'google', 'key=AIza-ic-A&alt=sse')).toEqual({ isAllowed: true, sessionId: 'sess-a' });
    expect(judge({ 'x-goog-api-key': 'AIza-ic-A' }, 'google')).toEqual({
      isAllowed: true,
      sessionId: 'sess-a',
    });
  });

  it.each([
    [{}, 'no key'],
    [{ 'x-api-key': 'sk-ant-api03-the-agents-own-key' }, 'not a sentinel key'],
    [{ 'x-api-key': 'sk-ant-ic-A', authorization: 'Bearer sk-ant-own' }, 'not a sentinel key'],
    [{ 'x-api-key': 'sk-ant-ic-A', 'api-key': 'smuggled' }, 'not a sentinel key'],
    [{ authorization: 'Basic dXNlcjpwYXNz' }, 'not a sentinel key'],
    [{ 'x-api-key': 'sk-ic-A' }, 'a openai sentinel, not anthropic'],
    [{ 'x-api-key': 'sk-ant-ic-A', authorization: 'Bearer sk-ant-ic-B' }, 'sentinels of two sessions'],
  ])('refuses %j (%s)', (headers, reason) => {
    const verdict = judge(headers as Record<string, string>);
    expect(verdict.isAllowed).toBe(false);
    if (!verdict.isAllowed) expect(verdict.reason).toContain(reason);
  });

  it('refuses a sentinel of another session than the authenticated tunnel', () => {
    const verdict = judge({ 'x-api-key': 'sk-ant-ic-B' }, 'anthropic', '', 'sess-a');
    expect(verdict).toEqual({ isAllowed: false, reason: expect.stringContaining('another session') });
  });

  it('refuses a foreign ?key= next to a sentinel header', () => {
    expect(judge({ 'x-goog-api-key': 'AIza-ic-A' }, 'google', 'key=AIzaOwnKey').isAllowed).toBe(false);
  });

  it('writes the real key in the provider style and strips every credential the agent sent', () => {
    expect(realKeyHeaders(provider('anthropic'))).toEqual({ 'x-api-key': 'real-a' });
    expect(realKeyHeaders(provider('openai'))).toEqual({ authorization: 'Bearer real-o' });
    expect(realKeyHeaders(provider('google'))).toEqual({ 'x-goog-api-key': 'real-g' });
    const headers = upstreamRequestHeaders(
      {
        'x-api-key': 'sk-ant-ic-A',
        authorization: 'Bearer x',
        'api-key': 'y',
        'proxy-authorization': 'Basic z',
        connection: 'keep-alive, x-drop-me',
        'x-drop-me': '1',
        ':authority': 'api.anthropic.com',
        'accept-encoding': 'gzip, br',
        'anthropic-version': '2023-06-01',
      },
      'api.anthropic.com',
      realKeyHeaders(provider('anthropic')),
    );
    expect(headers).toEqual({
      host: 'api.anthropic.com',
      'accept-encoding': 'identity',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'real-a',
    });
  });

  it('removes ?key= from the upstream target and keeps the rest of the query', () => {
    expect(withoutQueryKey('/v1beta/models/g:streamGenerateContent?key=AIza-ic-A&alt=sse')).toBe(
      '/v1beta/models/g:streamGenerateContent?alt=sse',
    );
    expect(withoutQueryKey('/v1/x?key=a')).toBe('/v1/x');
    expect(withoutQueryKey('/v1/x?beta=true')).toBe('/v1/x?beta=true');
  });
});
