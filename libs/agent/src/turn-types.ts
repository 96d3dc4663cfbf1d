import type { LanguageModel, ModelMessage } from 'ai';
import type { CodeRunner, ToolCatalog } from '@ironcurtain/code-mode';
import type { AgentEventListener } from './agent-events.js';
import type { BudgetExhaustion } from './budget/budget-limits.js';
import type { BudgetTracker } from './budget/budget-tracker.js';
import type { ConversationCompactor } from './conversation/conversation-compactor.js';
import type { LoopDetectionOptions } from './loop-detector.js';
import type { ModelFailure } from './model-error.js';

/**
 * How a turn ended. `completed`: the model answered without asking for more code. `budget-exhausted`: a session or
 * turn limit ran out (see `exhaustion`). `loop-blocked`: the loop detector stopped executions (the text, if any, is
 * the model's summary). `failed`: the model call failed (see `failure`). `aborted`: the caller's signal fired.
 */
export type TurnOutcome = 'completed' | 'budget-exhausted' | 'loop-blocked' | 'failed' | 'aborted';

/** Options for {@link runTurn}. */
export interface RunTurnOptions {
  /** The AI SDK model, e.g. from `createLanguageModel` of `@ironcurtain/llm`. */
  readonly model: LanguageModel;
  /** `provider:model`, for prices and messages; when absent it is derived from the model's own provider and id. */
  readonly modelId?: string;
  /** Runs `execute_code`; its catalog should match the one in the system prompt. */
  readonly runner: CodeRunner;
  /** The system prompt; when absent, {@link buildSystemPrompt} of `catalog` (or of no tools) is used. */
  readonly system?: string;
  /** The servers and tools named in the default system prompt. */
  readonly catalog?: ToolCatalog;
  /** The conversation so far (a previous turn's `messages`, possibly JSON round-tripped); not modified. */
  readonly messages: readonly ModelMessage[];
  /** What the user says now. */
  readonly userMessage: string;
  /** The session's budget; a fresh tracker with the default limits when absent. */
  readonly budget?: BudgetTracker;
  /** Loop detection thresholds (counts are per turn). */
  readonly loopDetection?: LoopDetectionOptions;
  /** Stops the turn (user `/quit`, `session.stop`): the model call is cancelled and the outcome is `aborted`. */
  readonly abortSignal?: AbortSignal;
  /** Receives progress: text deltas, each step's text, code started/finished/refused, step usage. */
  readonly onEvent?: AgentEventListener;
  /** Stream the model's answer (`streamText`, with `text-delta` events) or not (`generateText`). Default true. */
  readonly isStreaming?: boolean;
  /** Retries of a failed model call (the SDK's, with backoff). Default 2. */
  readonly maxRetries?: number;
  /** Output token cap per model call; the provider's default when absent. */
  readonly maxOutputTokens?: number;
  /**
   * Keeps the conversation under a size (see {@link createConversationCompactor}): asked before every model
   * request, told each request's reported input tokens. One per session. No compaction when absent.
   */
  readonly compaction?: ConversationCompactor;
}

/** What a turn came to. `messages` is the whole conversation to store (JSON-safe) and to pass to the next turn. */
export interface TurnResult {
  /**
   * The history with this turn appended: the user message and every completed step (assistant messages and tool
   * results). A step cut short by an abort or an error is left out, so every tool call in it has its result. When
   * the turn could not start (budget already exhausted), the user message is not added.
   */
  readonly messages: ModelMessage[];
  readonly outcome: TurnOutcome;
  /** The last assistant text of the turn ('' when the model wrote none). */
  readonly text: string;
  /** Model calls made in this turn. */
  readonly steps: number;
  /** For every outcome but `completed`: why the turn stopped, written for the user. */
  readonly message?: string;
  /** Which limit ran out (`budget-exhausted`). */
  readonly exhaustion?: BudgetExhaustion;
  /** What went wrong with the model call (`failed`). */
  readonly failure?: ModelFailure;
}
