import { JSDOM } from 'jsdom';
import { z } from 'zod';
import { endpointUrl, type SearchProvider } from './search-provider.js';

// GET /res/v1/web/search?q=…&count=… with X-Subscription-Token; results in web.results[] (title, url,
// description). Descriptions carry <strong> highlighting and HTML entities.
const braveResponse = z.looseObject({
  web: z
    .looseObject({
      results: z.array(
        z.looseObject({ title: z.string(), url: z.string(), description: z.string().optional() }),
      ),
    })
    .optional(),
});

const braveError = z.looseObject({
  error: z.looseObject({ detail: z.string().optional(), code: z.string().optional() }),
});

/** Brave Search API (web search endpoint). */
export const braveProvider: SearchProvider = {
  id: 'brave',
  name: 'Brave Search',
  apiKeyVariable: 'BRAVE_API_KEY',
  baseUrlVariable: 'BRAVE_BASE_URL',
  defaultBaseUrl: 'https://api.search.brave.com',
  keyUrl: 'https://brave.com/search/api/',
  buildRequest(query, maxResults, apiKey, baseUrl) {
    const url = endpointUrl(baseUrl, '/res/v1/web/search');
    url.searchParams.set('q', query);
    url.searchParams.set('count', String(maxResults));
    return {
      url,
      method: 'GET',
      headers: { accept: 'application/json', 'x-subscription-token': apiKey },
    };
  },
  parseResults(json) {
    const results = braveResponse.parse(json).web?.results ?? [];
    return results.map((result) => ({
      title: plainText(result.title),
      url: result.url,
      snippet: plainText(result.description ?? ''),
    }));
  },
  errorMessage(json) {
    const parsed = braveError.safeParse(json);
    return parsed.success ? (parsed.data.error.detail ?? parsed.data.error.code) : undefined;
  },
};

function plainText(html: string): string {
  return (JSDOM.fragment(html).textContent ?? '').trim();
}
