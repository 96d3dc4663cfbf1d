/** One web search result, the same shape whatever the provider. */
export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
}

/** The HTTP request a provider's search endpoint expects. */
export interface ProviderRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** A search provider: where its API lives, how to ask it, and how to read its answer. */
export interface SearchProvider {
  id: 'brave' | 'tavily' | 'serpapi';
  name: string;
  /** The environment variable holding its API key. */
  apiKeyVariable: string;
  /** The environment variable that points it elsewhere (a fake server in tests). */
  baseUrlVariable: string;
  defaultBaseUrl: string;
  /** Where a person gets a key. */
  keyUrl: string;
  buildRequest(query: string, maxResults: number, apiKey: string, baseUrl: string): ProviderRequest;
  /** Reads the provider's JSON answer; throws when it does not have the documented shape. */
  parseResults(json: unknown): SearchResult[];
  /** The provider's own error text in an error answer, if it has one. */
  errorMessage(json: unknown): string | undefined;
}

/** Joins a base URL (which may carry a path prefix) and an endpoint path. */
export function endpointUrl(baseUrl: string, path: string): URL {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return new URL(path.replace(/^\//, ''), base);
}
