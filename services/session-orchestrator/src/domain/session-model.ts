import type { LanguageModel } from 'ai';
import { createLanguageModelThroughEgress, parseModelId } from '@ironcurtain/llm';
import { agentDefaultModel } from './container/container-sessions.js';
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
 * (`<egress>/<provider>/v1`, Google `/google/v1beta`) with the session's sentinel key, so the orchestrator never holds
 * a real key. A provider the egress issued no sentinel for (an `ollama` or `openai-compatible` endpoint it does not
 * have) is `CONFIG_INVALID` naming what to configure, never a direct connection past the egress.
 */
export async function createSessionModel(settings: SessionModelSettings): Promise<SessionModel> {
  if (settings.modelId === demoModelId) {
    return { model: createDemoModel(), usageSource: 'agent', usesEgress: false };
  }
  parseModelId(settings.modelId); // a bad id fails here, before the egress issues keys for nothing
  const sentinels = await settings.openEgressSession();
  const model = createLanguageModelThroughEgress({
    modelId: settings.modelId,
    egressUrl: settings.egressUrl,
    sentinels,
  });
  return { model, usageSource: 'external', usesEgress: true };
}

/**
 * The budget tracker's `modelId` option for a session: the model it names, whose price decides whether its cost
 * budget is enforceable (an unknown one is said to be not enforceable, at the start). Nothing for a model whose usage
 * the session does not get from the egress (the demo) or that an agent CLI picks itself (`default`).
 */
export function pricedModelOf(
  modelId: string,
  usageSource: SessionModel['usageSource'],
): { modelId?: string } {
  return usageSource === 'external' && modelId !== agentDefaultModel ? { modelId } : {};
}
