import { AppError, errorCodeOf } from '@ironcurtain/errors';
import type { ConfiguredSearch, SearchSettings } from '../config.js';
import { configuredRoute, screenedRoute, type Egress } from '../egress.js';
import { FetchErrorCode } from '../error-codes.js';
import { isRedirectStatus, sendRequest, type IncomingResponse } from '../outgoing-request.js';
import { userAgent } from '../request-headers.js';
import { searchProviders } from './providers.js';
import type { SearchProvider, SearchResult } from './search-provider.js';

/** What web_search needs: the provider settings, and the egress http_fetch uses (guard, resolver, proxy). */
export interface WebSearchDependencies extends Egress {
  settings: SearchSettings;
}

/** The answer of web_search. */
export interface WebSearchAnswer {
  provider: string;
  query: string;
  results: SearchResult[];
}

const searchTimeoutMs = 20_000;
const maxSearchBodyBytes = 2 * 1024 * 1024;

/**
 * web_search: one request to the configured provider, results cut to max_results. The provider's host comes from
 * the operator, never from the agent (the agent only supplies the query), so the SSRF guard is not what protects
 * it; still, the default public endpoints go through the guard and are pinned like any fetch, and only an endpoint
 * the operator set explicitly (BRAVE_BASE_URL, …: a fake provider on loopback in tests, a corporate proxy) is
 * reached without the private-address refusal. In proxy mode every endpoint, configured or not, is reached through
 * the proxy, which screens it in turn. Redirects are never followed, so the API key only goes to the configured
 * endpoint. The key never appears in an error: every message is scrubbed of it.
 */
export async function webSearch(
  args: { query: string; max_results: number },
  dependencies: WebSearchDependencies,
): Promise<WebSearchAnswer> {
  const { settings } = dependencies;
  if (!settings.isConfigured) throw new AppError(FetchErrorCode.SearchNotConfigured, settings.problem);
  const provider = searchProviders.find((candidate) => candidate.id === settings.provider);
  if (provider === undefined) {
    throw new AppError(FetchErrorCode.SearchNotConfigured, `Unknown provider ${settings.provider}.`);
  }
  try {
    const results = await search(provider, args, settings, dependencies);
    return { provider: provider.name, query: args.query, results: results.slice(0, args.max_results) };
  } catch (error) {
    throw scrubbed(error, settings.apiKey);
  }
}

async function search(
  provider: SearchProvider,
  args: { query: string; max_results: number },
  settings: ConfiguredSearch,
  dependencies: WebSearchDependencies,
): Promise<SearchResult[]> {
  const request = provider.buildRequest(args.query, args.max_results, settings.apiKey, settings.baseUrl);
  const signal = AbortSignal.timeout(searchTimeoutMs);
  try {
    const route = settings.isBaseUrlOverridden
      ? configuredRoute(dependencies)
      : await screenedRoute(request.url, dependencies, signal);
    const response = await sendRequest({
      url: request.url,
      route,
      method: request.method,
      headers: { ...request.headers, 'user-agent': userAgent, 'accept-encoding': 'gzip, deflate, br' },
      body: request.body,
      signal,
      maxBodyBytes: maxSearchBodyBytes,
      tls: dependencies.tls,
    });
    return readResults(provider, response);
  } catch (error) {
    if (!signal.aborted) throw error;
    const message = `${provider.name} did not answer within ${searchTimeoutMs / 1000} s.`;
    throw new AppError(FetchErrorCode.UpstreamTimeout, message, { retryable: true });
  }
}

function readResults(provider: SearchProvider, response: IncomingResponse): SearchResult[] {
  const json = parseJson(response.body);
  if (response.status >= 200 && response.status < 300) {
    try {
      return provider.parseResults(json);
    } catch (error) {
      throw upstream(
        `${provider.name} answered in an unexpected format; the fetch server may need an update.`,
        error,
      );
    }
  }
  const detail = provider.errorMessage(json);
  const said = detail === undefined ? '' : ` It said: ${detail.slice(0, 300)}`;
  if (
    response.status === 401 ||
    response.status === 403 ||
    (provider.id === 'brave' && response.status === 422)
  ) {
    throw upstream(
      `${provider.name} rejected the API key (HTTP ${response.status}). Check ${provider.apiKeyVariable} in the fetch ` +
        `server's environment (keys: ${provider.keyUrl}).${said}`,
    );
  }
  if (response.status === 429) {
    throw upstream(
      `${provider.name} refused the search: rate limit or quota reached (HTTP 429). Try again later.${said}`,
      undefined,
      true,
    );
  }
  if (isRedirectStatus(response.status)) {
    throw upstream(
      `${provider.name} answered with a redirect (HTTP ${response.status}); search requests do not follow redirects.`,
    );
  }
  throw upstream(
    `${provider.name} answered HTTP ${response.status}.${said}`,
    undefined,
    response.status >= 500,
  );
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function upstream(message: string, cause?: unknown, retryable = false): AppError {
  return new AppError(FetchErrorCode.UpstreamFailed, message, { cause, retryable });
}

// Rebuilds the error with the key (raw and URL-encoded) removed from its message, and without a cause that might
// hold it (a request URL carrying SerpApi's key, for one). Errors without a code stay code-less: the server's error
// boundary logs those as bugs and shows the agent nothing of them.
function scrubbed(error: unknown, apiKey: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  const clean = [apiKey, encodeURIComponent(apiKey)].reduce(
    (text, secret) => text.split(secret).join('[redacted]'),
    message,
  );
  const code = errorCodeOf(error);
  if (code === undefined || !(error instanceof AppError)) return new Error(clean);
  return new AppError(code, clean, { retryable: error.retryable });
}
