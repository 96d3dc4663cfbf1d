import type { Config } from './config.js';
import {
  createSessionCompaction,
  createSessionModels,
  type AutoCompactSettings,
  type CreateCompaction,
  type SummaryModel,
} from './domain/session-compaction.js';
import type { SessionModel } from './domain/session-model.js';

/** The `ORCH_AUTO_COMPACT_*` settings. */
export function autoCompactSettingsOf(config: Config): AutoCompactSettings {
  return {
    isEnabled: config.ORCH_AUTO_COMPACT_ENABLED,
    thresholdTokens: config.ORCH_AUTO_COMPACT_THRESHOLD_TOKENS,
    keepRecentMessages: config.ORCH_AUTO_COMPACT_KEEP_RECENT_MESSAGES,
    summaryModelId: config.ORCH_AUTO_COMPACT_MODEL,
  };
}

/**
 * The desk's `createModel` and `createCompaction` for auto-compaction: each builtin session's model comes with its
 * summary model (one egress open for both, see `createSessionModels`), and its compactor uses that summary model.
 * `createModel` is the service's own way to make a model from an id and the session's sentinels.
 */
export function wireAutoCompaction(options: {
  config: Config;
  openEgressSession(sessionId: string): Promise<Record<string, string>>;
  createModel(
    modelId: string,
    openEgressSession: () => Promise<Record<string, string>>,
  ): Promise<SessionModel>;
}): {
  createModel(sessionId: string, modelId: string): Promise<SessionModel>;
  createCompaction: CreateCompaction;
} {
  const settings = autoCompactSettingsOf(options.config);
  // Keyed by the session's model object, so nothing outlives the session.
  const summaries = new WeakMap<SessionModel, SummaryModel>();
  return {
    async createModel(sessionId, modelId) {
      const models = await createSessionModels({
        modelId,
        summaryModelId: settings.isEnabled ? settings.summaryModelId : undefined,
        openEgressSession: () => options.openEgressSession(sessionId),
        createModel: options.createModel,
      });
      summaries.set(models.session, models.summary);
      return models.session;
    },
    createCompaction(session, reporter) {
      const summary = summaries.get(session.sessionModel);
      if (summary === undefined) return undefined;
      return createSessionCompaction({ settings, summary, budget: session.budget, reporter });
    },
  };
}
