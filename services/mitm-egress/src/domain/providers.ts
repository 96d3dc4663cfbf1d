import {
  compileEndpointAllowlist,
  parseEndpointPattern,
  type EndpointAllowlist,
} from './endpoint-patterns.js';
import { basePathOf, baseUrlRoute, directRoute, originOf, type UpstreamRoute } from './upstream-base-url.js';

/** Where the provider reads its key: `x-api-key`, `Authorization: Bearer`, or `x-goog-api-key`. */
export type KeyStyle = 'x-api-key' | 'bearer' | 'x-goog-api-key';

/** How the provider reports token usage in its responses. */
export type UsageFormat = 'anthropic' | 'openai' | 'google';

/** One upstream the proxy lets agents talk to. */
export interface Provider {
  /** `anthropic`, `openai`, `google`, or the name of a configured OpenAI-compatible endpoint; the reverse-mode prefix. */
  readonly name: string;
  /** The provider's own origin: scheme, host name and port (what agents CONNECT to and name in `Host`). */
  readonly protocol: 'https:' | 'http:';
  readonly host: string;
  readonly port: number;
  /** Where its allowed requests go: its own origin, or the base URL configured for it (a gateway). */
  readonly upstream: UpstreamRoute;
  /**
   * Reverse mode: the request path for what follows `/<name>` on the egress. Unchanged, except that an
   * OpenAI-compatible endpoint whose base path is not `/v1` also takes `/v1/…` for its base path (so every client
   * can use `<egress>/<name>/v1` as its base URL): `/openrouter/v1/chat/completions` → `/api/v1/chat/completions`.
   */
  reversePath(path: string): string;
  readonly endpoints: EndpointAllowlist;
  readonly keyStyle: KeyStyle;
  /** The prefix of this provider's sentinel keys (clients may check the shape of a key). */
  readonly sentinelPrefix: string;
  readonly usageFormat: UsageFormat;
  /** The real key; undefined for endpoints that need none (a local Ollama) or when it is not configured. */
  readonly realKey: string | undefined;
  /** Where the real key comes from, for the message when it is missing; undefined for keyless endpoints. */
  readonly realKeySource: string | undefined;
}

/** A configured OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp, OpenRouter). */
export interface CompatibleEndpointConfig {
  name: string;
  baseUrl: string;
  /** The real key, read from the variable `apiKeyEnv` names; undefined for a keyless endpoint. */
  apiKey?: string | undefined;
  apiKeyEnv?: string | undefined;
}

const anthropicEndpoints = [
  'POST /v1/messages',
  'POST /v1/messages/count_tokens',
  'GET /v1/models',
  'GET /v1/models/*',
];
const openAiEndpoints = [
  'POST /v1/responses',
  'POST /v1/chat/completions',
  'GET /v1/models',
  'GET /v1/models/*',
];
const googleEndpoints = ['v1', 'v1beta'].flatMap((version) => [
  `POST /${version}/models/*:generateContent`,
  `POST /${version}/models/*:streamGenerateContent`,
]);
const compatibleSuffixes = ['POST /chat/completions', 'POST /completions', 'POST /responses', 'GET /models'];

/** The real keys of the built-in providers, as the composition root read them. */
export interface RealKeys {
  anthropic?: string | undefined;
  openai?: string | undefined;
  google?: string | undefined;
}

/** Base URLs the built-in providers' requests go to instead of their public hosts (a gateway); see `baseUrlRoute`. */
export interface BuiltinBaseUrls {
  anthropic?: string | undefined;
  openai?: string | undefined;
  google?: string | undefined;
}

/**
 * The built-in providers (Anthropic, OpenAI, Google) and the configured OpenAI-compatible endpoints. A built-in
 * provider with a base URL keeps its host for agents (CONNECT, `Host`) and its endpoint allowlist, and sends what
 * passes to the base URL.
 */
export function createProviders(
  keys: RealKeys,
  compatible: readonly CompatibleEndpointConfig[],
  baseUrls: BuiltinBaseUrls = {},
): Provider[] {
  const builtin: Provider[] = [
    https('anthropic', 'api.anthropic.com', anthropicEndpoints, 'x-api-key', 'sk-ant-ic-', keys.anthropic),
    https('openai', 'api.openai.com', openAiEndpoints, 'bearer', 'sk-ic-', keys.openai),
    https(
      'google',
      'generativelanguage.googleapis.com',
      googleEndpoints,
      'x-goog-api-key',
      'AIza-ic-',
      keys.google,
    ),
  ].map((provider) => {
    const baseUrl = baseUrls[provider.name as keyof BuiltinBaseUrls];
    return baseUrl === undefined ? provider : { ...provider, upstream: baseUrlRoute(baseUrl) };
  });
  return [...builtin, ...compatible.map(compatibleProvider)];
}

const keyVariables: Record<string, string> = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  google: 'GEMINI_API_KEY',
};

function https(
  name: 'anthropic' | 'openai' | 'google',
  host: string,
  endpoints: string[],
  keyStyle: KeyStyle,
  sentinelPrefix: string,
  realKey: string | undefined,
): Provider {
  return {
    name,
    protocol: 'https:',
    host,
    port: 443,
    upstream: directRoute({ protocol: 'https:', host, port: 443 }),
    reversePath: (path) => path,
    endpoints: compileEndpointAllowlist(endpoints.map(parseEndpointPattern)),
    keyStyle,
    sentinelPrefix,
    usageFormat: name,
    realKey,
    realKeySource: keyVariables[name],
  };
}

function compatibleProvider(config: CompatibleEndpointConfig): Provider {
  const url = new URL(config.baseUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(
      `OpenAI-compatible endpoint ${config.name}: baseUrl must be http(s), not ${url.protocol}`,
    );
  }
  const origin = originOf(url);
  const basePath = basePathOf(url);
  const patterns = compatibleSuffixes.map((suffix) => {
    const [method = '', path = ''] = suffix.split(' ');
    return { method, path: `${basePath}${path}` };
  });
  return {
    name: config.name,
    ...origin,
    upstream: directRoute(origin),
    reversePath: (path) =>
      basePath === '/v1' ||
      (basePath !== '' && path.startsWith(`${basePath}/`)) ||
      !/^\/v1(?=[/?]|$)/.test(path)
        ? path
        : `${basePath}${path.slice('/v1'.length)}`,
    endpoints: compileEndpointAllowlist(patterns),
    keyStyle: 'bearer',
    sentinelPrefix: 'sk-ic-',
    usageFormat: 'openai',
    realKey: config.apiKey,
    realKeySource: config.apiKeyEnv,
  };
}

/** Finds providers by the CONNECT host (forward mode) or by the first path segment (reverse mode). */
export interface ProviderIndex {
  readonly all: readonly Provider[];
  byName(name: string): Provider | undefined;
  /** The provider reached through a CONNECT to `host:port`; only https providers are reachable that way. */
  byConnectTarget(host: string, port: number): Provider | undefined;
}

/** Indexes providers; two with the same name or the same https host:port are a configuration error. */
export function indexProviders(providers: readonly Provider[]): ProviderIndex {
  const byName = new Map<string, Provider>();
  const byTarget = new Map<string, Provider>();
  for (const provider of providers) {
    if (byName.has(provider.name)) throw new Error(`two egress providers are named "${provider.name}"`);
    byName.set(provider.name, provider);
    if (provider.protocol !== 'https:') continue;
    const target = `${provider.host.toLowerCase()}:${provider.port}`;
    if (byTarget.has(target)) throw new Error(`two egress providers share ${target}`);
    byTarget.set(target, provider);
  }
  return {
    all: providers,
    byName: (name) => byName.get(name),
    byConnectTarget: (host, port) => byTarget.get(`${host.toLowerCase().replace(/\.$/, '')}:${port}`),
  };
}
