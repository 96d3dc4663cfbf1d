import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddressPolicy } from '@ironcurtain/address-screen';
import { webSearch } from '../src/search/web-search.js';
import { userAgent } from '../src/request-headers.js';
import { goodKey, fakeSearchProviders } from './fake-search-providers.js';
import { startFetchServer, resultText } from './fetch-server-process.js';
import { startLocalServer, type LocalServer } from './local-server.js';

let fake: LocalServer;

beforeAll(async () => {
  fake = await startLocalServer('127.0.0.1', fakeSearchProviders);
});

afterAll(async () => {
  await fake?.close();
});

async function searchWith(env: Record<string, string>, args: Record<string, unknown>) {
  const server = await startFetchServer(env);
  try {
    const result = await server.callTool('web_search', args);
    return {
      result,
      text: resultText(result),
      stderr: server.stderr(),
      transportErrors: server.transportErrors,
    };
  } finally {
    await server.close();
  }
}

const providerCases = [
  {
    provider: 'brave',
    env: (key: string) => ({ BRAVE_API_KEY: key, BRAVE_BASE_URL: fake.origin }),
    first: {
      title: 'Brave result 1 & more',
      url: 'https://brave.example/1',
      snippet: "About mcp servers '1'",
    },
  },
  {
    provider: 'tavily',
    env: (key: string) => ({ TAVILY_API_KEY: key, TAVILY_BASE_URL: fake.origin }),
    first: {
      title: 'Tavily result 1',
      url: 'https://tavily.example/1',
      snippet: 'Content 1 about mcp servers',
    },
  },
  {
    provider: 'serpapi',
    env: (key: string) => ({ SERPAPI_API_KEY: key, SERPAPI_BASE_URL: fake.origin }),
    first: {
      title: 'SerpApi result 1',
      url: 'https://serpapi.example/1',
      snippet: 'Snippet 1 about mcp servers',
    },
  },
];

describe.each(providerCases)('web_search through $provider', ({ provider, env, first }) => {
  it('sends the documented request and returns max_results results as {title, url, snippet}', async () => {
    const before = fake.requests.length;
    const { result, text } = await searchWith(env(goodKey), { query: 'mcp servers', max_results: 3 });
    expect(result.isError).toBeFalsy();
    const answer = JSON.parse(text) as { query: string; results: unknown[] };
    expect(answer.query).toBe('mcp servers');
    expect(answer.results).toHaveLength(3);
    expect(answer.results[0]).toEqual(first);
    expect(result.structuredContent).toEqual(answer);
    const sent = fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers['user-agent']).toBe(userAgent);
    const url = new URL(sent[0]?.url ?? '', 'http://fake');
    if (provider === 'brave') {
      expect(url.searchParams.get('q')).toBe('mcp servers');
      expect(url.searchParams.get('count')).toBe('3');
    }
    if (provider === 'tavily')
      expect(JSON.parse(sent[0]?.body ?? '')).toMatchObject({ query: 'mcp servers', max_results: 3 });
    if (provider === 'serpapi') {
      expect(url.searchParams.get('engine')).toBe('google');
      expect(url.searchParams.get('num')).toBe('3');
    }
  });

  it('uses the default of 5 results', async () => {
    const { text } = await searchWith(env(goodKey), { query: 'defaults' });
    expect((JSON.parse(text) as { results: unknown[] }).results).toHaveLength(5);
  });

  it('reports a rejected key without ever showing or logging it [FETCH-9]', async () => {
    const secret = 'sk-very-secret-key-0123456789';
    const { result, text, stderr, transportErrors } = await searchWith(env(secret), { query: 'anything' });
    expect(result.isError).toBe(true);
    expect(text).toContain('rejected the API key');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(secret);
    expect(stderr).not.toContain(secret);
    expect(stderr).toContain('"tool":"web_search"');
    expect(transportErrors).toEqual([]);
  });
});

describe('web_search configuration', () => {
  it('explains exactly how to configure a provider when none is', async () => {
    const { result, text } = await searchWith({}, { query: 'anything' });
    expect(result.isError).toBe(true);
    for (const words of [
      'BRAVE_API_KEY',
      'TAVILY_API_KEY',
      'SERPAPI_API_KEY',
      'https://brave.com/search/api/',
      'WEB_SEARCH_PROVIDER',
      'mcp-servers.json',
    ]) {
      expect(text).toContain(words);
    }
  });

  it('says which key is missing when WEB_SEARCH_PROVIDER names a provider without one', async () => {
    const { text } = await searchWith(
      { WEB_SEARCH_PROVIDER: 'tavily', BRAVE_API_KEY: goodKey },
      { query: 'anything' },
    );
    expect(text).toContain('WEB_SEARCH_PROVIDER is tavily but TAVILY_API_KEY is not set');
  });

  it('keeps the SSRF guard on a provider endpoint the operator did not set explicitly', async () => {
    const attempt = webSearch(
      { query: 'anything', max_results: 1 },
      {
        settings: {
          isConfigured: true,
          provider: 'brave',
          apiKey: goodKey,
          baseUrl: fake.origin,
          isBaseUrlOverridden: false,
        },
        lookup: async () => [{ address: '127.0.0.1', family: 4 }],
        policy: createAddressPolicy([]),
      },
    );
    await expect(attempt).rejects.toMatchObject({ code: 'DESTINATION_REFUSED' });
  });
});
