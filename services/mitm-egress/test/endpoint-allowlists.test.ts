import { describe, expect, it } from 'vitest';
import { compileEndpointAllowlist, parseEndpointPattern } from '../src/domain/endpoint-patterns.js';
import { createProviders, indexProviders } from '../src/domain/providers.js';

const providers = indexProviders(
  createProviders({}, [
    { name: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1' },
    { name: 'openrouter', baseUrl: 'https://openrouter.ai/api/v1' },
  ]),
);
const allowed = (provider: string, method: string, path: string): boolean =>
  providers.byName(provider)?.endpoints.isAllowed(method, path) ?? false;

describe('endpoint allowlists [EGRESS-2]', () => {
  it.each([
    ['anthropic', 'POST', '/v1/messages'],
    ['anthropic', 'POST', '/v1/messages?beta=true'],
    ['anthropic', 'POST', '/v1/messages/count_tokens?beta=true'],
    ['anthropic', 'GET', '/v1/models'],
    ['openai', 'POST', '/v1/responses'],
    ['openai', 'POST', '/v1/chat/completions'],
    ['openai', 'GET', '/v1/models/gpt-5'],
    ['google', 'POST', '/v1beta/models/gemini-2.5-pro:generateContent'],
    ['google', 'POST', '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse'],
    ['ollama', 'POST', '/v1/chat/completions'],
    ['openrouter', 'POST', '/api/v1/chat/completions'],
  ])('allows %s %s %s', (provider, method, path) => {
    expect(allowed(provider, method, path)).toBe(true);
  });

  it.each([
    ['anthropic', 'GET', '/v1/messages', 'wrong method'],
    ['anthropic', 'POST', '/v1/files', 'unlisted path'],
    ['anthropic', 'DELETE', '/v1/models/x', 'wrong method on a listed path'],
    ['anthropic', 'POST', '/v1/messages/batches', 'unlisted sub-path'],
    ['anthropic', 'POST', '/v1/messages/../files', 'dot segments'],
    ['anthropic', 'POST', '/v1//messages', 'empty segment'],
    ['anthropic', 'POST', '/v1/messages%2f..%2ffiles', 'encoded slash'],
    ['openai', 'GET', '/v1/models/a/b', '* is one segment'],
    ['openai', 'POST', '/v1/files', 'unlisted path'],
    ['openai', 'POST', '/v1/fine_tuning/jobs', 'unlisted path'],
    ['google', 'POST', '/v1beta/models/gemini:countTokens', 'unlisted verb'],
    ['google', 'POST', '/v1beta/models/a/b:generateContent', '* is one segment'],
    ['ollama', 'POST', '/api/pull', 'outside the base path'],
    ['openrouter', 'POST', '/v1/chat/completions', 'outside the base path'],
  ])('refuses %s %s %s (%s)', (provider, method, path) => {
    expect(allowed(provider, method, path)).toBe(false);
  });

  it('parses patterns and refuses malformed ones', () => {
    expect(parseEndpointPattern('POST /v1/x')).toEqual({ method: 'POST', path: '/v1/x' });
    expect(() => parseEndpointPattern('/v1/x')).toThrow(/must look like/);
    const list = compileEndpointAllowlist([parseEndpointPattern('GET /a/*/c')]);
    expect(list.isAllowed('get', '/a/b/c')).toBe(true);
    expect(list.isAllowed('GET', '/a//c')).toBe(false);
  });

  it('finds https providers by CONNECT target and every provider by name', () => {
    expect(providers.byConnectTarget('API.anthropic.com.', 443)?.name).toBe('anthropic');
    expect(providers.byConnectTarget('api.anthropic.com', 8443)).toBeUndefined();
    expect(providers.byConnectTarget('openrouter.ai', 443)?.name).toBe('openrouter');
    // A plain-http endpoint is reachable in reverse mode only.
    expect(providers.byConnectTarget('127.0.0.1', 11434)).toBeUndefined();
    expect(providers.byName('ollama')?.protocol).toBe('http:');
    expect(() =>
      indexProviders(createProviders({}, [{ name: 'openai', baseUrl: 'https://x.example/v1' }])),
    ).toThrow(/two egress providers are named "openai"/);
  });
});
