import { baseServiceEnv, loadEnv } from '@ironcurtain/config';
import { z } from 'zod';

// An empty variable counts as unset, the way shells and compose files write "no value".
const optionalText = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z.string().min(1).optional(),
);

const jsonText = <Schema extends z.ZodType>(schema: Schema, example: string) =>
  z.preprocess(
    (value) => {
      if (value === undefined || value === '') return undefined;
      try {
        return JSON.parse(String(value));
      } catch {
        return { notJson: true };
      }
    },
    schema
      .optional()
      .refine((value) => value === undefined || typeof value === 'object', `JSON like ${example}`),
  );

// A base URL of a built-in provider's upstream: http(s), nothing but scheme, host, port and path.
const baseUrl = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z
    .url({
      protocol: /^https?$/,
      error: 'an http(s) URL such as https://llm-gateway.example.com/anthropic/v1',
    })
    .refine((value) => {
      const url = new URL(value);
      return url.search === '' && url.hash === '' && url.username === '' && url.password === '';
    }, 'a base URL without query, fragment or credentials')
    .optional(),
);

const CompatibleEndpoint = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'names are a-z 0-9 - (the reverse-mode prefix)'),
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** The variable that holds the endpoint's real key; omit for keyless endpoints (a local Ollama). */
  apiKeyEnv: z.string().min(1).optional(),
});

/** Environment variables of the mitm-egress. */
export const configSchema = baseServiceEnv.extend({
  /** The TCP address of the proxy (forward and reverse mode); EGRESS_PORT=0 picks a free port. */
  EGRESS_HOST: z.string().min(1).default('127.0.0.1'),
  EGRESS_PORT: z.coerce.number().int().min(0).max(65535).default(8788),
  /** A unix socket the proxy listens on as well. */
  EGRESS_SOCKET: optionalText,
  /** Where the CA lives (default IRONCURTAIN_HOME/ca). */
  EGRESS_CA_DIR: optionalText,
  ANTHROPIC_API_KEY: optionalText,
  OPENAI_API_KEY: optionalText,
  /** Google's key: the first of GEMINI_API_KEY, GOOGLE_GENERATIVE_AI_API_KEY (the AI SDK's name), GOOGLE_API_KEY. */
  GEMINI_API_KEY: optionalText,
  GOOGLE_GENERATIVE_AI_API_KEY: optionalText,
  GOOGLE_API_KEY: optionalText,
  /**
   * Where each built-in provider's requests go instead of its public API (a corporate gateway, a regional endpoint):
   * agents still CONNECT to the provider's host and speak its paths, which the endpoint allowlist checks; a base URL
   * ending in a version (`…/v1`) replaces the request's version segment, any other is a path prefix.
   */
  EGRESS_ANTHROPIC_BASE_URL: baseUrl,
  EGRESS_OPENAI_BASE_URL: baseUrl,
  EGRESS_GOOGLE_BASE_URL: baseUrl,
  /** OpenAI-compatible endpoints: `[{"name":"ollama","baseUrl":"http://127.0.0.1:11434/v1"}]`. */
  EGRESS_OPENAI_COMPATIBLE: jsonText(
    z.array(CompatibleEndpoint),
    '[{"name":"ollama","baseUrl":"http://…/v1"}]',
  ),
  /** Exact addresses exempt from the destination screen (loopback/private), e.g. a local Ollama; never metadata. */
  EGRESS_ALLOW_ADDRESSES: optionalText,
  /** Test only: `{"api.anthropic.com":"127.0.0.1:40123"}` connects there instead (TLS still checks the name). */
  EGRESS_UPSTREAM_OVERRIDES: jsonText(
    z.record(z.string(), z.string().regex(/^[^:]+:\d+$|^\[.+\]:\d+$/)),
    '{"host":"ip:port"}',
  ),
  /** Extra CA certificates (PEM file) trusted for upstreams besides the system roots. */
  EGRESS_UPSTREAM_CA_FILE: optionalText,
});

export type Config = z.output<typeof configSchema> & {
  /** Real keys of the OpenAI-compatible endpoints, read from the variables their `apiKeyEnv` names. */
  compatibleKeys: Record<string, string | undefined>;
};

/** Parses the environment; one error lists every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const config = loadEnv(configSchema, env, 'mitm-egress configuration');
  const compatibleKeys = Object.fromEntries(
    (config.EGRESS_OPENAI_COMPATIBLE ?? []).map((endpoint) => [
      endpoint.name,
      endpoint.apiKeyEnv === undefined ? undefined : env[endpoint.apiKeyEnv] || undefined,
    ]),
  );
  return { ...config, compatibleKeys };
}
