import { AppError, ErrorCode } from '@ironcurtain/errors';

/**
 * The LLM providers IronCurtain can call. `ollama` is a local Ollama server (OpenAI-compatible API, no key needed);
 * `openai-compatible` is any other endpoint that speaks the OpenAI Chat Completions API (vLLM, LM Studio, a hosted
 * gateway), reached at the base URL the caller configures.
 */
export const llmProviders = ['anthropic', 'openai', 'google', 'ollama', 'openai-compatible'] as const;

/** One of {@link llmProviders}. */
export type LlmProvider = (typeof llmProviders)[number];

/** A model id split into its provider and the provider's own model name. */
export interface ModelId {
  readonly provider: LlmProvider;
  readonly model: string;
}

/**
 * The environment variables by which services conventionally receive each provider's API key and base URL. The lib
 * reads none of them; services use these names in their config schemas and in messages that say what to set.
 */
export const providerEnvironment: Readonly<
  Record<LlmProvider, { readonly apiKey: string; readonly baseUrl: string }>
> = {
  anthropic: { apiKey: 'ANTHROPIC_API_KEY', baseUrl: 'ANTHROPIC_BASE_URL' },
  openai: { apiKey: 'OPENAI_API_KEY', baseUrl: 'OPENAI_BASE_URL' },
  google: { apiKey: 'GOOGLE_GENERATIVE_AI_API_KEY', baseUrl: 'GOOGLE_GENERATIVE_AI_BASE_URL' },
  ollama: { apiKey: 'OLLAMA_API_KEY', baseUrl: 'OLLAMA_BASE_URL' },
  'openai-compatible': { apiKey: 'OPENAI_COMPATIBLE_API_KEY', baseUrl: 'OPENAI_COMPATIBLE_BASE_URL' },
};

/**
 * Where each provider's API lives when no base URL is configured. `openai-compatible` has none: its base URL is
 * required. Ollama's is the local server's OpenAI-compatible API.
 */
export const defaultBaseUrls: Readonly<Partial<Record<LlmProvider, string>>> = {
  anthropic: 'https://api.anthropic.com/v1',
  openai: 'https://api.openai.com/v1',
  google: 'https://generativelanguage.googleapis.com/v1beta',
  ollama: 'http://127.0.0.1:11434/v1',
};

/** Providers that need no API key (a local server); a key, when given, is still sent. */
export const keylessProviders: ReadonlySet<LlmProvider> = new Set<LlmProvider>([
  'ollama',
  'openai-compatible',
]);

const unsafeModelCharacters = /[\s\p{Cc}]/u;

/**
 * Parses `provider:model` (e.g. `anthropic:claude-sonnet-4-6`, `openai:gpt-4.1`, `google:gemini-2.5-flash`,
 * `ollama:llama3.1:8b`, `openai-compatible:qwen2.5-coder`). The model part is everything after the first colon, so
 * fine-tuned ids and Ollama tags with colons stay whole. Throws `CONFIG_INVALID` naming the accepted providers.
 */
export function parseModelId(modelId: string): ModelId {
  const separator = modelId.indexOf(':');
  const provider = separator === -1 ? '' : modelId.slice(0, separator);
  const model = separator === -1 ? '' : modelId.slice(separator + 1);
  if (!isLlmProvider(provider) || model === '' || unsafeModelCharacters.test(model)) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `model id ${JSON.stringify(modelId)} is not "provider:model" with provider one of ` +
        `${llmProviders.join(', ')} (e.g. "anthropic:claude-sonnet-4-6", "openai:gpt-4.1" or "ollama:llama3.1")`,
    );
  }
  return { provider, model };
}

/** True when `value` names one of {@link llmProviders}. */
export function isLlmProvider(value: string): value is LlmProvider {
  return (llmProviders as readonly string[]).includes(value);
}
