import type { LanguageModel } from 'ai';
import { createLanguageModel, egressBaseUrls, parseModelId } from '@ironcurtain/llm';
import { createDemoModel, demoModelId } from './demo-model.js';

/** A session's model, and where its token usage is counted from. */
export interface SessionModel {
  readonly model: LanguageModel;
  /** `external`: from egress usage events (real providers); `agent`: from the model's own answers (the demo). */
  readonly usageSource: 'agent' | 'external';
  /** True when the session holds egress sentinels that must be revoked when it ends. */
  readonly usesEgress: boolean;
}

/** What {@link createSessionModel} needs: the model id, the egress address and a way to get the session's sentinels. */
export interface SessionModelSettings {
  readonly modelId: string;
  /** mitm-egress's reverse-mode base, e.g. `http://127.0.0.1:8788`. */
  readonly egressUrl: string;
  /** Opens the session at the egress and returns its sentinel key per provider. */
  openEgressSession(): Promise<Record<string, string>>;
}

/**
 * The demo model for `demo:scripted`; otherwise the provider's AI SDK model pointed at mitm-egress's reverse mode
 * (`<egress>/<provider>/v1`) with the session's sentinel keys, so the orchestrator never holds a real key.
 */
export async function createSessionModel(settings: SessionModelSettings): Promise<SessionModel> {
  if (settings.modelId === demoModelId) {
    return { model: createDemoModel(), usageSource: 'agent', usesEgress: false };
  }
  parseModelId(settings.modelId); // a bad id fails here, before the egress issues keys for nothing
  const sentinels = await settings.openEgressSession();
  const baseUrls = egressBaseUrls(settings.egressUrl, Object.keys(sentinels));
  const model = createLanguageModel({ modelId: settings.modelId, apiKeys: sentinels, baseUrls });
  return { model, usageSource: 'external', usesEgress: true };
}
