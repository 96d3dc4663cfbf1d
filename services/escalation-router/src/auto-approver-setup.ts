import { request, type Bus } from '@ironcurtain/bus';
import { createEgressLanguageModel, createLanguageModel, parseModelId } from '@ironcurtain/llm';
import { EgressSessionOpen } from '@ironcurtain/proto-schemas';
import type { Logger } from '@ironcurtain/log';
import type { Config } from './config.js';
import { autoApproveSettingsOf } from './domain/auto-approve-settings.js';
import { createAutoApprover, type AutoApprover } from './domain/auto-approver.js';

/**
 * The auto-approver when ESCALATION_AUTO_APPROVE turns it on, else undefined. A configuration it cannot use (bad model
 * id, missing API key) is logged as an error and leaves it off: every ticket then goes to a human, which is safe, and
 * the router keeps answering.
 */
export function startAutoApprover(config: Config, logger: Logger, bus: Bus): AutoApprover | undefined {
  const settings = autoApproveSettingsOf({
    enabled: config.ESCALATION_AUTO_APPROVE,
    modelId: config.ESCALATION_AUTO_APPROVE_MODEL,
  });
  if (!settings.isEnabled) return undefined;
  try {
    const model = modelOf(config, settings.modelId, bus);
    logger.info(
      { modelId: settings.modelId, through: hasDirectKey(config, settings.modelId) ? 'direct' : 'egress' },
      'auto-approver on',
    );
    return createAutoApprover({
      model,
      modelId: settings.modelId,
      timeoutMs: config.ESCALATION_AUTO_APPROVE_TIMEOUT_MS,
      onError: (error) =>
        logger.warn({ err: (error as Error).message }, 'auto-approver failed; a human decides'),
    });
  } catch (error) {
    logger.error({ err: (error as Error).message }, 'auto-approver stays off');
    return undefined;
  }
}

/** The key this router holds for the model's provider, if any. */
function hasDirectKey(config: Config, modelId: string): boolean {
  const { provider } = parseModelId(modelId);
  const keys: Record<string, string | undefined> = {
    anthropic: config.ANTHROPIC_API_KEY,
    openai: config.OPENAI_API_KEY,
  };
  return keys[provider] !== undefined;
}

// With its own key (a standalone router) it calls the provider directly; without one, and with the egress's address,
// it calls through the egress with a sentinel of its own session, like the agents do.
function modelOf(config: Config, modelId: string, bus: Bus) {
  if (hasDirectKey(config, modelId) || config.ESCALATION_EGRESS_URL === undefined) {
    return createLanguageModel({
      modelId,
      apiKeys: { anthropic: config.ANTHROPIC_API_KEY, openai: config.OPENAI_API_KEY },
      baseUrls: { anthropic: config.ANTHROPIC_BASE_URL, openai: config.OPENAI_BASE_URL },
    });
  }
  return createEgressLanguageModel({
    modelId,
    egressUrl: config.ESCALATION_EGRESS_URL,
    openSession: async () =>
      (await request(bus, EgressSessionOpen, { sessionId: egressSessionId }, { timeoutMs: 5000 })).sentinels,
  });
}

/** The egress session the auto-approver's model calls are made (and their usage counted) under. */
const egressSessionId = 'escalation-router';
