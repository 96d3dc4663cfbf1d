import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { LanguageModel } from 'ai';
import { createLanguageModel } from './create-language-model.js';
import { parseModelId } from './model-id.js';

/**
 * Base URLs of mitm-egress's reverse mode for each provider a session has a sentinel for:
 * `<egressUrl>/<provider>/v1`.
 */
export function egressBaseUrls(egressUrl: string, providers: readonly string[]): Record<string, string> {
  const base = egressUrl.replace(/\/+$/, '');
  return Object.fromEntries(providers.map((provider) => [provider, `${base}/${provider}/v1`]));
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
 * Throws `CONFIG_INVALID` at once for a bad model id.
 */
export function createEgressLanguageModel(settings: EgressLanguageModelSettings): LanguageModel {
  const { provider, model } = parseModelId(settings.modelId);
  let opened: Promise<LanguageModelV4> | undefined;
  const ready = (): Promise<LanguageModelV4> => {
    opened ??= settings.openSession().then(
      (sentinels) =>
        createLanguageModel({
          modelId: settings.modelId,
          apiKeys: sentinels,
          baseUrls: egressBaseUrls(settings.egressUrl, Object.keys(sentinels)),
        }) as LanguageModelV4,
      (error: unknown) => {
        opened = undefined;
        throw error;
      },
    );
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
