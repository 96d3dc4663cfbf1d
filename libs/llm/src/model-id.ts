import { AppError, ErrorCode } from '@ironcurtain/errors';

/** The LLM providers IronCurtain's trusted services can call. */
export const llmProviders = ['anthropic', 'openai'] as const;

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
};

/** Where each provider's API lives when no base URL is configured. */
export const defaultBaseUrls: Readonly<Record<LlmProvider, string>> = {
  anthropic: 'https://api.anthropic.com/v1',
  openai: 'https://api.openai.com/v1',
};

const unsafeModelCharacters = /[\s\p{Cc}]/u;

/**
 * Parses `provider:model` (e.g. `anthropic:claude-sonnet-4-6`, `openai:gpt-4.1`). The model part is everything after
 * the first colon, so fine-tuned ids with colons stay whole. Throws `CONFIG_INVALID` naming the accepted providers.
 */
export function parseModelId(modelId: string): ModelId {
  const separator = modelId.indexOf(':');
  const provider = separator === -1 ? '' : modelId.slice(0, separator);
  const model = separator === -1 ? '' : modelId.slice(separator + 1);
  if (!isLlmProvider(provider) || model === '' || unsafeModelCharacters.test(model)) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `model id ${JSON.stringify(modelId)} is not "provider:model" with provider one of ` +
        `${llmProviders.join(', ')} (e.g. "anthropic:claude-sonnet-4-6" or "openai:gpt-4.1")`,
    );
  }
  return { provider, model };
}

/** True when `value` names one of {@link llmProviders}. */
export function isLlmProvider(value: string): value is LlmProvider {
  return (llmProviders as readonly string[]).includes(value);
}
