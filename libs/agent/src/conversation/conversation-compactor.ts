import type { ModelMessage } from 'ai';
import { compactConversation, type SummarizeConversation } from './conversation-compaction.js';
import type { StepUsage } from '../model-step.js';

/** What one compaction did, for the transcript and the user. Token counts are this module's measure. */
export interface CompactionReport {
  readonly summarizedMessages: number;
  /** Messages in the conversation after the compaction (the summary included). */
  readonly messagesAfter: number;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly thresholdTokens: number;
}

/** Options of {@link createConversationCompactor}. */
export interface ConversationCompactorOptions {
  /** A model request measured at or above this many tokens is compacted first. */
  readonly thresholdTokens: number;
  /** How many of the last messages stay verbatim (more when a tool call and its result would be parted). */
  readonly keepRecentMessages: number;
  /** Writes the summary, e.g. {@link createModelSummarizer}. */
  readonly summarize: SummarizeConversation;
  /** A compaction happened. Exceptions it throws are ignored. */
  readonly onCompacted?: (report: CompactionReport) => void;
  /** Summarizing failed; the turn goes on with the whole conversation. Called at most once per turn. */
  readonly onFailed?: (failure: { readonly message: string; readonly error: unknown }) => void;
}

/** What the turn loop asks before each model request. */
export interface CompactionRequest {
  /** The system prompt of the request (counted when the size is estimated). */
  readonly system: string;
  /** The conversation about to be sent. */
  readonly messages: readonly ModelMessage[];
  /** The current turn's user message (the object in `messages`): never summarized away. */
  readonly currentUserMessage: ModelMessage;
  readonly abortSignal?: AbortSignal;
}

/** Keeps one session's conversation under its threshold; one per session, shared by its turns. */
export interface ConversationCompactor {
  /** After a model request: the messages it carried and the input tokens the provider reported for it. */
  recordRequest(sentMessages: readonly ModelMessage[], inputTokens: number): void;
  /** The measured size of a request with this system prompt and these messages, in tokens. */
  measure(system: string, messages: readonly ModelMessage[]): number;
  /** Before a model request: the compacted conversation to send instead, or undefined to send it as it is. */
  beforeRequest(request: CompactionRequest): Promise<ModelMessage[] | undefined>;
}

/** The size estimate of text the provider has not counted yet: about four characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** {@link estimateTokens} of each message's JSON. */
export function estimateMessageTokens(messages: readonly ModelMessage[]): number {
  return messages.reduce((sum, message) => sum + estimateTokens(JSON.stringify(message)), 0);
}

/**
 * Creates a session's compactor. The measure of a request is the input tokens the provider reported for the last
 * one (system prompt and tools included: the most honest count), plus an estimate ({@link estimateMessageTokens})
 * of the messages appended since. When there is no report that the conversation still starts with (a resumed
 * session, or just after a compaction), the whole request is estimated: system prompt and messages.
 *
 * A request at or over `thresholdTokens` is compacted first ({@link compactConversation}). Within one turn it stops
 * trying after a failure, after finding nothing to summarize, or when a compaction left the conversation still over
 * the threshold (the recent messages alone are that large), so a turn never pays for a summary per step.
 */
export function createConversationCompactor(options: ConversationCompactorOptions): ConversationCompactor {
  let reported: { count: number; last: ModelMessage | undefined; inputTokens: number } | undefined;
  let pausedForTurnOf: ModelMessage | undefined;

  const measure = (system: string, messages: readonly ModelMessage[]): number => {
    const basis = reported;
    if (basis !== undefined && basis.count <= messages.length && messages[basis.count - 1] === basis.last) {
      return basis.inputTokens + estimateMessageTokens(messages.slice(basis.count));
    }
    return estimateTokens(system) + estimateMessageTokens(messages);
  };

  return {
    recordRequest(sentMessages, inputTokens) {
      reported =
        inputTokens > 0 ? { count: sentMessages.length, last: sentMessages.at(-1), inputTokens } : undefined; // no report (a provider that sends none): estimate instead
    },
    measure,
    async beforeRequest(request) {
      if (pausedForTurnOf === request.currentUserMessage) return undefined;
      const tokensBefore = measure(request.system, request.messages);
      if (tokensBefore < options.thresholdTokens) return undefined;
      const index = request.messages.lastIndexOf(request.currentUserMessage);
      const result = await compactConversation({
        messages: request.messages,
        keepRecentMessages: options.keepRecentMessages,
        currentTurnStart: index === -1 ? request.messages.length : index,
        summarize: options.summarize,
        ...(request.abortSignal === undefined ? {} : { abortSignal: request.abortSignal }),
      });
      if (request.abortSignal?.aborted === true) return undefined;
      if (result.outcome !== 'compacted') {
        pausedForTurnOf = request.currentUserMessage;
        if (result.outcome === 'failed') callSafely(() => options.onFailed?.(failureOf(result.error)));
        return undefined;
      }
      reported = undefined;
      const tokensAfter = measure(request.system, result.messages);
      if (tokensAfter >= options.thresholdTokens) pausedForTurnOf = request.currentUserMessage;
      const report: CompactionReport = {
        summarizedMessages: result.summarizedMessages,
        messagesAfter: result.messages.length,
        tokensBefore,
        tokensAfter,
        thresholdTokens: options.thresholdTokens,
      };
      callSafely(() => options.onCompacted?.(report));
      return result.messages;
    },
  };
}

function failureOf(error: unknown): { message: string; error: unknown } {
  return { message: error instanceof Error ? error.message : String(error), error };
}

function callSafely(listener: () => void): void {
  try {
    listener();
  } catch {
    // The listener belongs to the caller; the turn goes on (and a lib does not log).
  }
}

/**
 * For the turn loop: asks `compaction` before a request and, when it compacted, replaces the contents of `history`
 * in place (the step request holds that array).
 */
export async function compactHistoryBeforeRequest(
  compaction: ConversationCompactor | undefined,
  history: ModelMessage[],
  request: Omit<CompactionRequest, 'messages'>,
): Promise<void> {
  const compacted = await compaction?.beforeRequest({ ...request, messages: history });
  if (compacted !== undefined) history.splice(0, history.length, ...compacted);
}

/** For the turn loop: tells `compaction` what the request that carried `history[0, sentCount)` cost in input. */
export function recordCompactionRequest(
  compaction: ConversationCompactor | undefined,
  history: readonly ModelMessage[],
  sentCount: number,
  usage: StepUsage,
): void {
  compaction?.recordRequest(
    history.slice(0, sentCount),
    usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens,
  );
}
