import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import type { LanguageModel } from 'ai';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { defaultBaseUrls, parseModelId, providerEnvironment, type LlmProvider } from './model-id.js';

/** Everything needed to reach a model; the caller gathers it (from its config), the lib reads no environment. */
export interface LanguageModelSettings {
  /** `provider:model`, see {@link parseModelId}. */
  modelId: string;
  /** API keys by provider; the one of the model's provider is required. */
  apiKeys: Partial<Record<LlmProvider, string | undefined>>;
  /** Base URLs by provider (e.g. a fake provider on loopback in tests); the public API when absent. */
  baseUrls?: Partial<Record<LlmProvider, string | undefined>>;
  /** A fetch implementation to use instead of the global one. */
  fetch?: typeof globalThis.fetch;
}

/**
 * Builds an AI SDK language model for `settings.modelId`. Anthropic models use the Messages API, OpenAI models the
 * Chat Completions API. Key and base URL are always passed explicitly, so the provider packages never fall back to
 * reading `process.env` themselves. Throws `CONFIG_INVALID` for a bad model id or a missing key, naming the
 * conventional variable.
 */
export function createLanguageModel(settings: LanguageModelSettings): LanguageModel {
  const { provider, model } = parseModelId(settings.modelId);
  const apiKey = settings.apiKeys[provider];
  if (apiKey === undefined || apiKey === '') {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `no API key for ${provider} (model ${settings.modelId}); set ${providerEnvironment[provider].apiKey}`,
    );
  }
  const baseURL = settings.baseUrls?.[provider] || defaultBaseUrls[provider];
  const options = { apiKey, baseURL, ...(settings.fetch === undefined ? {} : { fetch: settings.fetch }) };
  switch (provider) {
    case 'anthropic':
      return createAnthropic(options)(model);
    case 'openai':
      return createOpenAI(options).chat(model);
  }
}
