import type { LoopVerdict } from './loop-detector.js';

/**
 * What the turn runner reports while it works, for terminals and transcripts. Budget warnings do not come here:
 * the budget tracker reports them itself (its `onEvent`), so usage fed in from outside a turn is covered too.
 */
export type AgentEvent =
  /** A piece of assistant text as it streams in (streaming mode only). */
  | { readonly type: 'text-delta'; readonly text: string }
  /**
   * The assistant's words in one step, when it has any, emitted before the code they introduce runs (before its
   * `code-started`); text the model writes after a tool call in the same step comes as a second event.
   */
  | { readonly type: 'assistant-text'; readonly text: string; readonly step: number }
  /** The model asked to run code; it is about to run. */
  | { readonly type: 'code-started'; readonly toolCallId: string; readonly code: string }
  /** Code ran: a one-line summary, and whether the loop detector warned or blocked. */
  | {
      readonly type: 'code-finished';
      readonly toolCallId: string;
      readonly code: string;
      readonly isOk: boolean;
      readonly summary: string;
      readonly durationMs: number;
      readonly toolCalls: number;
      readonly loop: LoopVerdict['kind'];
    }
  /** Code did not run: the loop detector blocked executions, or the turn was aborted. */
  | {
      readonly type: 'code-refused';
      readonly toolCallId: string;
      readonly code: string;
      readonly reason: 'loop-blocked' | 'aborted';
    }
  /** One model call finished. */
  | {
      readonly type: 'step-finished';
      readonly step: number;
      readonly inputTokens: number;
      readonly outputTokens: number;
      readonly finishReason: string;
    };

/** Receives {@link AgentEvent}s. Exceptions it throws are ignored. */
export type AgentEventListener = (event: AgentEvent) => void;

/** Calls `listener` and keeps its failures out of the agent loop. */
export function emitSafely(listener: AgentEventListener | undefined, event: AgentEvent): void {
  try {
    listener?.(event);
  } catch {
    // The listener belongs to the caller; the turn must go on (and a lib does not log).
  }
}
