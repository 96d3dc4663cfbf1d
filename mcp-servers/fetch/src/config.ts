import { loadEnv } from '@ironcurtain/config';
import { z } from 'zod';
import { canonicalAddress, metadataAddresses, parseAddress } from '@ironcurtain/address-screen';
import { checkProxiesAgree, proxyEndpoint, proxyFields } from './proxy-config.js';
import type { ProxyEndpoint } from './proxy-tunnel.js';
import { searchProviders, type SearchProviderId } from './search/providers.js';

// An empty variable counts as unset, the way shells and compose files write "no value".
const optionalText = z.preprocess((value) => (value === '' ? undefined : value), z.string().optional());

const addressList = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
  )
  .superRefine((entries, context) => {
    for (const entry of entries) {
      if (parseAddress(entry) === undefined) {
        context.addIssue({
          code: 'custom',
          message: `"${entry}" is not an IP address (list exact addresses, comma-separated)`,
        });
      } else if (metadataAddresses.includes(canonicalAddress(entry))) {
        context.addIssue({
          code: 'custom',
          message: `${entry} is a cloud metadata endpoint and cannot be allowed`,
        });
      }
    }
  })
  .transform((entries) => entries.map(canonicalAddress));

// A search base URL must keep the API key off the wire in clear text, except on this machine's loopback (tests).
const baseUrl = optionalText.pipe(
  z
    .url({ protocol: /^https?$/ })
    .refine((text) => {
      const url = new URL(text);
      return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    }, 'must be an https URL (http only on localhost, 127.0.0.1 or [::1])')
    .optional(),
);

/** Environment variables of the fetch server. */
export const configSchema = z
  .object({
    FETCH_ALLOW_ADDRESSES: addressList,
    WEB_SEARCH_PROVIDER: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z.enum(['brave', 'tavily', 'serpapi']).optional(),
    ),
    BRAVE_API_KEY: optionalText,
    TAVILY_API_KEY: optionalText,
    SERPAPI_API_KEY: optionalText,
    BRAVE_BASE_URL: baseUrl,
    TAVILY_BASE_URL: baseUrl,
    SERPAPI_BASE_URL: baseUrl,
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    ...proxyFields,
  })
  .superRefine(checkProxiesAgree);

/** The search provider web_search uses, or why there is none. */
export type SearchSettings =
  | {
      isConfigured: true;
      provider: SearchProviderId;
      apiKey: string;
      baseUrl: string;
      isBaseUrlOverridden: boolean;
    }
  | { isConfigured: false; problem: string };

/** The settings of a configured provider. */
export type ConfiguredSearch = Extract<SearchSettings, { isConfigured: true }>;

/** The fetch server's configuration. */
export interface FetchServerConfig {
  /** Exact addresses http_fetch may reach although the SSRF guard would refuse them (canonical spelling). */
  allowedAddresses: string[];
  search: SearchSettings;
  /** The sandbox's proxy bridge (proxy mode), or undefined: the server resolves and connects itself (direct mode). */
  proxy: ProxyEndpoint | undefined;
  logLevel: string;
}

/** Parses the environment; one error lists every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): FetchServerConfig {
  const parsed = loadEnv(configSchema, env, 'fetch server configuration');
  return {
    allowedAddresses: parsed.FETCH_ALLOW_ADDRESSES,
    search: searchSettings(parsed),
    proxy: proxyEndpoint(parsed),
    logLevel: parsed.LOG_LEVEL,
  };
}

function searchSettings(parsed: z.output<typeof configSchema>): SearchSettings {
  const keys: Record<SearchProviderId, string | undefined> = {
    brave: parsed.BRAVE_API_KEY,
    tavily: parsed.TAVILY_API_KEY,
    serpapi: parsed.SERPAPI_API_KEY,
  };
  const baseUrls: Record<SearchProviderId, string | undefined> = {
    brave: parsed.BRAVE_BASE_URL,
    tavily: parsed.TAVILY_BASE_URL,
    serpapi: parsed.SERPAPI_BASE_URL,
  };
  const chosen =
    parsed.WEB_SEARCH_PROVIDER ?? searchProviders.find((provider) => keys[provider.id] !== undefined)?.id;
  if (chosen === undefined) return { isConfigured: false, problem: notConfiguredMessage() };
  const apiKey = keys[chosen];
  const provider = searchProviders.find((candidate) => candidate.id === chosen);
  if (apiKey === undefined || provider === undefined) {
    return { isConfigured: false, problem: missingKeyMessage(chosen) };
  }
  const override = baseUrls[chosen];
  return {
    isConfigured: true,
    provider: chosen,
    apiKey,
    baseUrl: override ?? provider.defaultBaseUrl,
    isBaseUrlOverridden: override !== undefined,
  };
}

function notConfiguredMessage(): string {
  const options = searchProviders.map(
    (provider) => `${provider.apiKeyVariable} (${provider.name}, key from ${provider.keyUrl})`,
  );
  return (
    'web_search is not configured: the fetch server has no search provider. To enable it, set one of ' +
    `${options.join(', ')} in the fetch server's environment (the "env" of the fetch entry in mcp-servers.json), ` +
    'and restart it. With several keys set, WEB_SEARCH_PROVIDER (brave, tavily or serpapi) picks one.'
  );
}

function missingKeyMessage(chosen: SearchProviderId): string {
  const provider = searchProviders.find((candidate) => candidate.id === chosen);
  const variable = provider?.apiKeyVariable ?? chosen;
  return (
    `web_search is not configured: WEB_SEARCH_PROVIDER is ${chosen} but ${variable} is not set. Set ${variable} in the ` +
    `fetch server's environment (get a key at ${provider?.keyUrl ?? 'the provider'}) and restart it.`
  );
}
