import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogle } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import {
  defaultBaseUrls,
  keylessProviders,
  parseModelId,
  providerEnvironment,
  type LlmProvider,
} from './model-id.js';

/** Everything needed to reach a model; the caller gathers it (from its config), the lib reads no environment. */
export interface LanguageModelSettings {
  /** `provider:model`, see {@link parseModelId}. */
  modelId: string;
  /**
   * API keys by provider; the one of the model's provider is required, except for `ollama` and
   * `openai-compatible` (local servers usually take none; a key given is sent as `Authorization: Bearer`).
   */
  apiKeys: Partial<Record<LlmProvider, string | undefined>>;
  /**
   * Base URLs by provider (e.g. a fake provider on loopback in tests, or the egress proxy); the public API when
   * absent. Required for `openai-compatible`; Ollama defaults to `http://127.0.0.1:11434/v1`.
   */
  baseUrls?: Partial<Record<LlmProvider, string | undefined>>;
  /** A fetch implementation to use instead of the global one. */
  fetch?: typeof globalThis.fetch;
}

/**
 * Builds an AI SDK language model for `settings.modelId`. Anthropic models use the Messages API, OpenAI models the
 * Chat Completions API, Google models the Gemini API (`@ai-sdk/google`), and `ollama` / `openai-compatible` models
 * an OpenAI-compatible Chat Completions endpoint (`@ai-sdk/openai-compatible`, with usage in streams). Key and base
 * URL are always passed explicitly, so the provider packages never fall back to reading `process.env` themselves.
 * Throws `CONFIG_INVALID` for a bad model id, a missing key or a missing base URL, naming the conventional variable.
 */
export function createLanguageModel(settings: LanguageModelSettings): LanguageModel {
  const { provider, model } = parseModelId(settings.modelId);
  const apiKey = apiKeyFor(provider, settings);
  const baseURL = baseUrlFor(provider, settings);
  const fetchOption = settings.fetch === undefined ? {} : { fetch: settings.fetch };
  switch (provider) {
    case 'anthropic':
      return createAnthropic({ apiKey: apiKey ?? '', baseURL, ...fetchOption })(model);
    case 'openai':
      return createOpenAI({ apiKey: apiKey ?? '', baseURL, ...fetchOption }).chat(model);
    case 'google':
      return createGoogle({ apiKey: apiKey ?? '', baseURL, ...fetchOption })(model);
    case 'ollama':
    case 'openai-compatible':
      return createOpenAICompatible({
        name: provider,
        baseURL,
        includeUsage: true,
        ...(apiKey === undefined ? {} : { apiKey }),
        ...fetchOption,
      }).chatModel(model);
  }
}

function apiKeyFor(provider: LlmProvider, settings: LanguageModelSettings): string | undefined {
  const apiKey = settings.apiKeys[provider];
  if (apiKey !== undefined && apiKey !== '') return apiKey;
  if (keylessProviders.has(provider)) return undefined;
  throw new AppError(
    ErrorCode.ConfigInvalid,
    `no API key for ${provider} (model ${settings.modelId}); set ${providerEnvironment[provider].apiKey}`,
  );
}

function baseUrlFor(provider: LlmProvider, settings: LanguageModelSettings): string {
  const baseUrl = settings.baseUrls?.[provider] || defaultBaseUrls[provider];
  if (baseUrl !== undefined && baseUrl !== '') return baseUrl;
  throw new AppError(
    ErrorCode.ConfigInvalid,
    `no base URL for ${provider} (model ${settings.modelId}); set ${providerEnvironment[provider].baseUrl} ` +
      'to the endpoint that serves /chat/completions (e.g. http://127.0.0.1:8000/v1)',
  );
}
