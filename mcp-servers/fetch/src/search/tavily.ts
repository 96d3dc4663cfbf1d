import { z } from 'zod';
import { endpointUrl, type SearchProvider } from './search-provider.js';

// POST /search with a JSON body and Authorization: Bearer; results[] (title, url, content, score).
const tavilyResponse = z.looseObject({
  results: z.array(z.looseObject({ title: z.string(), url: z.string(), content: z.string().optional() })),
});

const tavilyError = z.looseObject({
  detail: z.union([z.string(), z.looseObject({ error: z.string() })]),
});

/** Tavily Search API. */
export const tavilyProvider: SearchProvider = {
  id: 'tavily',
  name: 'Tavily',
  apiKeyVariable: 'TAVILY_API_KEY',
  baseUrlVariable: 'TAVILY_BASE_URL',
  defaultBaseUrl: 'https://api.tavily.com',
  keyUrl: 'https://app.tavily.com/',
  buildRequest(query, maxResults, apiKey, baseUrl) {
    return {
      url: endpointUrl(baseUrl, '/search'),
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        authorization: `Bearer ${apiKey}`,
      },
      body: JSON.stringify({ query, max_results: maxResults, search_depth: 'basic', topic: 'general' }),
    };
  },
  parseResults(json) {
    return tavilyResponse.parse(json).results.map((result) => ({
      title: result.title,
      url: result.url,
      snippet: result.content ?? '',
    }));
  },
  errorMessage(json) {
    const parsed = tavilyError.safeParse(json);
    if (!parsed.success) return undefined;
    return typeof parsed.data.detail === 'string' ? parsed.data.detail : parsed.data.detail.error;
  },
};
