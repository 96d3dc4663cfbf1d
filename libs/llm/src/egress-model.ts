import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { LanguageModel } from 'ai';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { createLanguageModel } from './create-language-model.js';
import { parseModelId, type LlmProvider } from './model-id.js';

/**
 * Where each provider's API sits under its reverse-mode prefix: `/v1`, except Google's `/v1beta` (the version
 * `@ai-sdk/google` speaks). For an OpenAI-compatible endpoint, mitm-egress maps `/<name>/v1/…` onto its base URL.
 */
const versionPaths: Readonly<Record<string, string>> = { google: '/v1beta' };

/**
 * Base URLs of mitm-egress's reverse mode for each provider a session has a sentinel for: `<egressUrl>/<provider>/v1`
 * (`/google/v1beta` for Google).
 */
export function egressBaseUrls(egressUrl: string, providers: readonly string[]): Record<string, string> {
  const base = egressUrl.replace(/\/+$/, '');
  return Object.fromEntries(
    providers.map((provider) => [provider, `${base}/${provider}${versionPaths[provider] ?? '/v1'}`]),
  );
}

/**
 * A model that reaches its provider only through mitm-egress's reverse mode, with the session's sentinel key. Fails
 * closed: when the egress issued no sentinel for the model's provider (an `ollama` or `openai-compatible` endpoint
 * the egress does not have), it throws `CONFIG_INVALID` saying what to configure, rather than letting the provider
 * package fall back to a default address (a local Ollama) past the egress.
 */
export function createLanguageModelThroughEgress(settings: {
  /** `provider:model`. */
  modelId: string;
  /** mitm-egress's reverse-mode address, e.g. `http://127.0.0.1:8788`. */
  egressUrl: string;
  /** The session's sentinel key per provider (`egress.session-open.v1`). */
  sentinels: Readonly<Record<string, string>>;
}): LanguageModel {
  const { provider } = parseModelId(settings.modelId);
  const sentinel = settings.sentinels[provider];
  if (sentinel === undefined || sentinel === '') {
    throw new AppError(ErrorCode.ConfigInvalid, missingEndpointMessage(provider, settings.modelId));
  }
  const baseUrls = egressBaseUrls(settings.egressUrl, [provider]);
  return createLanguageModel({
    modelId: settings.modelId,
    apiKeys: { [provider]: sentinel },
    baseUrls: { [provider]: baseUrls[provider] },
  });
}

function missingEndpointMessage(provider: LlmProvider, modelId: string): string {
  if (provider === 'ollama' || provider === 'openai-compatible') {
    const example =
      provider === 'ollama'
        ? '{"name":"ollama","baseUrl":"http://127.0.0.1:11434/v1"}'
        : '{"name":"openai-compatible","baseUrl":"https://openrouter.ai/api/v1","apiKeyEnv":"OPENAI_COMPATIBLE_API_KEY"}';
    return (
      `mitm-egress has no "${provider}" endpoint for model ${modelId}: add ${example} to its ` +
      'EGRESS_OPENAI_COMPATIBLE (and the address to EGRESS_ALLOW_ADDRESSES when it is on this machine or the LAN)'
    );
  }
  return `mitm-egress issued no ${provider} key for model ${modelId}; update mitm-egress, which knows ${provider}`;
}

/** Options for {@link createEgressLanguageModel}. */
export interface EgressLanguageModelSettings {
  /** `provider:model`. */
  modelId: string;
  /** mitm-egress's reverse-mode address, e.g. `http://127.0.0.1:8788`. */
  egressUrl: string;
  /** Opens (or reopens) the caller's egress session and returns its sentinel key per provider. */
  openSession(): Promise<Record<string, string>>;
}

/**
 * A model whose calls go through mitm-egress's reverse mode with sentinel keys, so its holder never sees a real key.
 * The egress session is opened on first use (the egress may start after the caller), and again after a failure.
 * Throws `CONFIG_INVALID` at once for a bad model id, and on first use when the egress has no endpoint for it.
 */
export function createEgressLanguageModel(settings: EgressLanguageModelSettings): LanguageModel {
  const { provider, model } = parseModelId(settings.modelId);
  let opened: Promise<LanguageModelV4> | undefined;
  const ready = (): Promise<LanguageModelV4> => {
    opened ??= settings
      .openSession()
      .then(
        (sentinels) =>
          createLanguageModelThroughEgress({
            modelId: settings.modelId,
            egressUrl: settings.egressUrl,
            sentinels,
          }) as LanguageModelV4,
      )
      .catch((error: unknown) => {
        opened = undefined;
        throw error;
      });
    return opened;
  };
  return {
    specificationVersion: 'v4',
    provider,
    modelId: model,
    supportedUrls: {},
    doGenerate: async (options) => (await ready()).doGenerate(options),
    doStream: async (options) => (await ready()).doStream(options),
  };
}
