import {
  createConversationCompactor,
  createModelSummarizer,
  type BudgetTracker,
  type CompactionReport,
  type ConversationCompactor,
} from '@ironcurtain/agent';
import type { LanguageModel } from 'ai';
import type { SessionModel } from './session-model.js';

/** Auto-compaction of builtin sessions (the user's `autoCompact`, as the orchestrator's environment carries it). */
export interface AutoCompactSettings {
  readonly isEnabled: boolean;
  /** A model request measured at or above this many tokens is compacted first. */
  readonly thresholdTokens: number;
  /** Messages kept verbatim at the end of the conversation. */
  readonly keepRecentMessages: number;
  /** `provider:model` that writes summaries; the session's own model when absent. */
  readonly summaryModelId?: string | undefined;
}

/** Where a session's compaction reports go: a system note for the user, and a transcript entry. */
export interface CompactionReporter {
  note(text: string): void;
  record(entry: Record<string, unknown>): void;
}

/** The builtin session a compactor is made for. */
export interface CompactionSession {
  readonly sessionId: string;
  readonly sessionModel: SessionModel;
  readonly budget: BudgetTracker;
}

/** Makes the compactor of a builtin session (undefined: none); the desk calls it, the service wires it. */
export type CreateCompaction = (
  session: CompactionSession,
  reporter: CompactionReporter,
) => ConversationCompactor | undefined;

/** The summary model of one session. */
export interface SummaryModel {
  readonly model: LanguageModel;
  readonly modelId: string;
}

/**
 * Makes a session's model and its summary model from one egress session: the egress hands out fresh sentinels on
 * every open (and revokes the old ones), so both models must share one open. `createModel` is the service's own way
 * to make a session model from an id and the sentinels' opener.
 */
export async function createSessionModels(options: {
  readonly modelId: string;
  readonly summaryModelId: string | undefined;
  openEgressSession(): Promise<Record<string, string>>;
  createModel(
    modelId: string,
    openEgressSession: () => Promise<Record<string, string>>,
  ): Promise<SessionModel>;
}): Promise<{ session: SessionModel; summary: SummaryModel }> {
  let sentinels: Promise<Record<string, string>> | undefined;
  const openOnce = () => (sentinels ??= options.openEgressSession());
  const session = await options.createModel(options.modelId, openOnce);
  const summaryModelId = options.summaryModelId ?? options.modelId;
  // A session without egress (the demo model) has no sentinels to share: it summarizes with its own model.
  if (summaryModelId === options.modelId || !session.usesEgress) {
    return { session, summary: { model: session.model, modelId: options.modelId } };
  }
  const summary = await options.createModel(summaryModelId, openOnce);
  return { session, summary: { model: summary.model, modelId: summaryModelId } };
}

/**
 * The compactor of one builtin session, or undefined when auto-compaction is off. The summary call goes through
 * the egress with the session's sentinels, so its tokens and cost count against the session's budget (from the
 * egress's usage events; for a model without egress, from the model's own report). Each compaction is a system note
 * ("conversation compacted: …") and a `compaction` transcript entry; a failed summary is a note, once
 * until a compaction succeeds (the summary is tried again each turn).
 */
export function createSessionCompaction(options: {
  readonly settings: AutoCompactSettings;
  readonly summary: SummaryModel;
  readonly budget: BudgetTracker;
  readonly reporter: CompactionReporter;
}): ConversationCompactor | undefined {
  const { settings, summary, budget, reporter } = options;
  if (!settings.isEnabled) return undefined;
  // Told once: a summary model that keeps failing (it is tried again each turn) is not worth a note per turn.
  let hasToldFailure = false;
  return createConversationCompactor({
    thresholdTokens: settings.thresholdTokens,
    keepRecentMessages: settings.keepRecentMessages,
    summarize: createModelSummarizer({
      model: summary.model,
      modelId: summary.modelId,
      // Counted only when the session counts the agent's own reports; else the egress event counts it.
      onUsage: (usage) => budget.recordAgentUsage({ ...usage, model: summary.modelId }),
    }),
    onCompacted: (report) => {
      hasToldFailure = false;
      reporter.note(compactionNoteText(report));
      reporter.record({
        kind: 'compaction',
        summarizedMessages: report.summarizedMessages,
        messagesAfter: report.messagesAfter,
        tokensBefore: report.tokensBefore,
        tokensAfter: report.tokensAfter,
        thresholdTokens: report.thresholdTokens,
        summaryModel: summary.modelId,
      });
    },
    onFailed: (failure) => {
      if (hasToldFailure) return;
      hasToldFailure = true;
      reporter.note(
        `conversation not compacted: ${failure.message.replace(/\.$/, '')}. The session goes on with the whole conversation; ` +
          'if it outgrows the model, set ORCH_AUTO_COMPACT_MODEL (autoCompact.summaryModelId) to a model that answers',
      );
    },
  });
}

/** `conversation compacted: 12 messages summarized, ~161,204 → ~8,512 tokens`. */
export function compactionNoteText(report: CompactionReport): string {
  const tokens = (count: number) => `~${count.toLocaleString('en-US')}`;
  const stillOver =
    report.tokensAfter >= report.thresholdTokens
      ? ` (still over the ${report.thresholdTokens.toLocaleString('en-US')}-token threshold: the recent messages alone are that large)`
      : '';
  return (
    `conversation compacted: ${report.summarizedMessages} messages summarized, ` +
    `${tokens(report.tokensBefore)} → ${tokens(report.tokensAfter)} tokens${stillOver}`
  );
}
