import type { ServerResponse } from 'node:http';
import type { ReceivedRequest } from './local-server.js';

/** The key the fake providers accept; any other key is answered the way each real API answers a bad key. */
export const goodKey = 'test-key-4c1d9e';

const resultCount = 12;
const numbered = <T>(make: (index: number) => T): T[] =>
  Array.from({ length: resultCount }, (_, index) => make(index + 1));

/**
 * One HTTP handler speaking the wire formats of Brave (GET /res/v1/web/search), Tavily (POST /search) and SerpApi
 * (GET /search.json), as their public API references document them. Each answers more results than asked, so the
 * tests see max_results enforced by the fetch server. A bad key is answered with the provider's error body, into
 * which the fake echoes the key (a hostile or careless provider), so the tests can check it never reaches the agent.
 */
export function fakeSearchProviders(request: ReceivedRequest, response: ServerResponse): void {
  const url = new URL(request.url, 'http://fake');
  response.setHeader('content-type', 'application/json');
  if (request.method === 'GET' && url.pathname === '/res/v1/web/search') return brave(request, url, response);
  if (request.method === 'POST' && url.pathname === '/search') return tavily(request, response);
  if (request.method === 'GET' && url.pathname === '/search.json') return serpapi(url, response);
  response.statusCode = 404;
  response.end('{"error":"no such endpoint"}');
}

function brave(request: ReceivedRequest, url: URL, response: ServerResponse): void {
  const key = String(request.headers['x-subscription-token'] ?? '');
  if (key !== goodKey) {
    response.statusCode = 422;
    response.end(
      JSON.stringify({
        type: 'ErrorResponse',
        error: {
          id: 'e1',
          status: 422,
          code: 'SUBSCRIPTION_TOKEN_INVALID',
          detail: `The provided subscription token ${key} is invalid.`,
        },
        time: 1700000000,
      }),
    );
    return;
  }
  response.end(
    JSON.stringify({
      type: 'search',
      query: { original: url.searchParams.get('q') },
      web: {
        type: 'search',
        results: numbered((index) => ({
          type: 'search_result',
          title: `Brave result ${index} &amp; more`,
          url: `https://brave.example/${index}`,
          description: `About <strong>${url.searchParams.get('q')}</strong> &#x27;${index}&#x27;`,
          language: 'en',
        })),
      },
    }),
  );
}

function tavily(request: ReceivedRequest, response: ServerResponse): void {
  const key = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
  if (key !== goodKey) {
    response.statusCode = 401;
    response.end(JSON.stringify({ detail: { error: `Unauthorized: missing or invalid API key ${key}.` } }));
    return;
  }
  const body = JSON.parse(request.body) as { query: string };
  response.end(
    JSON.stringify({
      query: body.query,
      answer: null,
      images: [],
      results: numbered((index) => ({
        title: `Tavily result ${index}`,
        url: `https://tavily.example/${index}`,
        content: `Content ${index} about ${body.query}`,
        score: 1 / index,
        raw_content: null,
      })),
      response_time: 0.5,
    }),
  );
}

function serpapi(url: URL, response: ServerResponse): void {
  const key = url.searchParams.get('api_key') ?? '';
  if (key !== goodKey) {
    response.statusCode = 401;
    response.end(
      JSON.stringify({
        error: `Invalid API key ${key}. Your API key should be here: https://serpapi.com/manage-api-key`,
      }),
    );
    return;
  }
  response.end(
    JSON.stringify({
      search_metadata: { id: 's1', status: 'Success' },
      search_parameters: { engine: url.searchParams.get('engine'), q: url.searchParams.get('q') },
      organic_results: numbered((index) => ({
        position: index,
        title: `SerpApi result ${index}`,
        link: `https://serpapi.example/${index}`,
        snippet: `Snippet ${index} about ${url.searchParams.get('q')}`,
      })),
    }),
  );
}
