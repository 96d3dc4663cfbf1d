import { describe, expect, it } from 'vitest';
import { validateAgentHeaders } from '../src/request-headers.js';

describe('agent headers [FETCH-8]', () => {
  it('passes ordinary headers through with lower-case names', () => {
    expect(
      validateAgentHeaders({ Accept: 'application/json', Authorization: 'Bearer t', Cookie: 'a=b' }),
    ).toEqual({
      accept: 'application/json',
      authorization: 'Bearer t',
      cookie: 'a=b',
    });
  });

  it.each([
    'Host',
    'host',
    'User-Agent',
    'Accept-Encoding',
    'Content-Length',
    'Transfer-Encoding',
    'Connection',
    'Keep-Alive',
    'Upgrade',
    'TE',
    'Trailer',
    'Expect',
    'Proxy-Authorization',
    'proxy-connection',
  ])('refuses %s', (name) => {
    expect(() => validateAgentHeaders({ [name]: 'x' })).toThrow(
      expect.objectContaining({
        code: 'SCHEMA_INVALID',
        message: expect.stringContaining(`The ${name} header is refused`),
      }),
    );
  });

  it.each([
    [{ 'X-A': 'one\r\nHost: evil' }, 'line break'],
    [{ 'X-A': 'nul\u0000' }, 'control character'],
    [{ 'Bad Name': 'x' }, 'not a valid HTTP header name'],
    [{ 'X-Colon:': 'x' }, 'not a valid HTTP header name'],
    [{ 'X-A': 'a', 'x-a': 'b' }, 'given twice'],
    [{ 'X-A': 'a'.repeat(8193) }, 'longer than 8192'],
    [Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`x-h${index}`, 'v'])), 'at most 50'],
  ])('refuses %j (%s)', (headers, words) => {
    expect(() => validateAgentHeaders(headers as Record<string, string>)).toThrow(words);
  });

  it('keeps a header named __proto__ a plain entry', () => {
    const headers = validateAgentHeaders({ ['__proto__']: 'x' } as Record<string, string>);
    expect(Object.keys(headers)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(headers)).toBeNull();
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });
});
