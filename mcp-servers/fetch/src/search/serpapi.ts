import { z } from 'zod';
import { endpointUrl, type SearchProvider } from './search-provider.js';

// GET /search.json?engine=google&q=…&num=…&api_key=… ; organic_results[] (position, title, link, snippet), or
// { error } with an HTTP error status. The key travels in the query string: that URL is never logged or shown.
const serpapiResponse = z.looseObject({
  organic_results: z
    .array(z.looseObject({ title: z.string(), link: z.string(), snippet: z.string().optional() }))
    .optional(),
});

const serpapiError = z.looseObject({ error: z.string() });

/** SerpApi (Google engine). */
export const serpapiProvider: SearchProvider = {
  id: 'serpapi',
  name: 'SerpApi',
  apiKeyVariable: 'SERPAPI_API_KEY',
  baseUrlVariable: 'SERPAPI_BASE_URL',
  defaultBaseUrl: 'https://serpapi.com',
  keyUrl: 'https://serpapi.com/manage-api-key',
  buildRequest(query, maxResults, apiKey, baseUrl) {
    const url = endpointUrl(baseUrl, '/search.json');
    url.searchParams.set('engine', 'google');
    url.searchParams.set('q', query);
    url.searchParams.set('num', String(maxResults));
    url.searchParams.set('api_key', apiKey);
    return { url, method: 'GET', headers: { accept: 'application/json' } };
  },
  parseResults(json) {
    return (serpapiResponse.parse(json).organic_results ?? []).map((result) => ({
      title: result.title,
      url: result.link,
      snippet: result.snippet ?? '',
    }));
  },
  errorMessage(json) {
    const parsed = serpapiError.safeParse(json);
    return parsed.success ? parsed.data.error : undefined;
  },
};
