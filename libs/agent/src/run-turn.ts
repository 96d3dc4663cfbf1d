import type { LanguageModel, ModelMessage } from 'ai';
import { emitSafely } from './agent-events.js';
import { exhaustionMessage, type BudgetExhaustion } from './budget/budget-limits.js';
import { createBudgetTracker, type BudgetTracker } from './budget/budget-tracker.js';
import {
  compactHistoryBeforeRequest,
  recordCompactionRequest,
} from './conversation/conversation-compactor.js';
import { createExecuteCodeTool, executeCodeToolName } from './execute-code-tool.js';
import { createLoopDetector, type LoopDetector } from './loop-detector.js';
import { describeModelError } from './model-error.js';
import { runModelStep, type ModelStepRequest, type ModelStepResult } from './model-step.js';
import { buildSystemPrompt } from './system-prompt.js';
import type { RunTurnOptions, TurnResult } from './turn-types.js';

const loopBlockedMessage =
  'The agent was stopped because it kept running the same code with the same outcome. Its last answer, if any, ' +
  'summarises where it got; send a new message with different instructions to go on.';
const abortedMessage = 'The turn was stopped before the agent finished.';
const maximumTimerMs = 2_147_483_647;

/**
 * Runs one turn of the builtin Code Mode agent: appends the user message, then calls the model step by step (one
 * model call per step, `execute_code` run by the caller's runner) until the model answers without code, a budget
 * runs out, the loop detector blocks, the model call fails, or `abortSignal` fires. Budgets are checked before
 * every step, so a turn stops cleanly between steps. Never throws for a provider error: the outcome is `failed`
 * with a readable message.
 */
export async function runTurn(options: RunTurnOptions): Promise<TurnResult> {
  const budget = options.budget ?? createBudgetTracker();
  budget.beginTurn();
  const turn = new Turn(options, budget);
  try {
    return await turn.run();
  } finally {
    turn.dispose();
    budget.endTurn();
  }
}

class Turn {
  readonly #options: RunTurnOptions;
  readonly #budget: BudgetTracker;
  readonly #detector: LoopDetector;
  readonly #controller = new AbortController();
  readonly #history: ModelMessage[];
  #stopReason: 'user' | 'time' | undefined;
  #hasGivenUp = false;
  #steps = 0;
  #text = '';
  #deadline: ReturnType<typeof setTimeout> | undefined;
  readonly #onUserAbort = (): void => this.#stop('user');

  constructor(options: RunTurnOptions, budget: BudgetTracker) {
    this.#options = options;
    this.#budget = budget;
    this.#detector = createLoopDetector(options.loopDetection);
    this.#history = [...options.messages];
  }

  async run(): Promise<TurnResult> {
    const exhaustedAtStart = this.#budget.exhaustion();
    if (exhaustedAtStart !== undefined) return this.#exhausted(exhaustedAtStart);
    if (this.#options.abortSignal?.aborted === true) return this.#result('aborted', abortedMessage);
    this.#options.abortSignal?.addEventListener('abort', this.#onUserAbort, { once: true });
    this.#armDeadline();
    const userMessage: ModelMessage = { role: 'user', content: this.#options.userMessage };
    this.#history.push(userMessage);
    const request = this.#stepRequest();
    const beforeRequest = {
      system: request.system,
      currentUserMessage: userMessage,
      abortSignal: request.abortSignal,
    };
    for (;;) {
      if (this.#reasonToStop() === undefined) {
        await compactHistoryBeforeRequest(this.#options.compaction, this.#history, beforeRequest);
      }
      const stop = this.#reasonToStop();
      if (stop !== undefined) return stop;
      const ended = await this.#takeStep(request);
      if (ended !== undefined) return ended;
    }
  }

  dispose(): void {
    if (this.#deadline !== undefined) clearTimeout(this.#deadline);
    this.#options.abortSignal?.removeEventListener('abort', this.#onUserAbort);
  }

  /** The parts of every model call that stay the same through the turn (the history grows in place). */
  #stepRequest(): ModelStepRequest {
    const options = this.#options;
    const executeCode = createExecuteCodeTool({
      runner: options.runner,
      detector: this.#detector,
      abortSignal: this.#controller.signal,
      onEvent: options.onEvent,
      onGiveUp: () => {
        this.#hasGivenUp = true;
      },
    });
    return {
      model: options.model,
      system: options.system ?? buildSystemPrompt({ catalog: options.catalog ?? { servers: [] } }),
      messages: this.#history,
      tools: { [executeCodeToolName]: executeCode },
      abortSignal: this.#controller.signal,
      isStreaming: options.isStreaming ?? true,
      maxRetries: options.maxRetries ?? 2,
      maxOutputTokens: options.maxOutputTokens,
      onTextDelta: (text) => emitSafely(options.onEvent, { type: 'text-delta', text }),
      // The step's words before its code: every consumer (terminal, transcript) gets them in the order said.
      onNarration: (text) => emitSafely(options.onEvent, { type: 'assistant-text', text, step: this.#steps }),
    };
  }

  /** Checked before every step: an abort, an exhausted budget, or the loop detector having given up. */
  #reasonToStop(): TurnResult | undefined {
    if (this.#controller.signal.aborted) return this.#stopped();
    const exhaustion = this.#budget.exhaustion();
    if (exhaustion !== undefined) return this.#exhausted(exhaustion);
    if (this.#hasGivenUp) return this.#result('loop-blocked', loopBlockedMessage);
    return undefined;
  }

  /** One model call and its executions; the turn's result when this step ends the turn. */
  async #takeStep(request: ModelStepRequest): Promise<TurnResult | undefined> {
    this.#budget.recordStep();
    this.#steps += 1;
    let step: ModelStepResult;
    const sentCount = this.#history.length;
    try {
      step = await runModelStep(request);
    } catch (error) {
      if (this.#controller.signal.aborted) return this.#stopped();
      const failure = describeModelError(error, this.#options.modelId ?? modelLabelOf(this.#options.model));
      return { ...this.#result('failed', failure.message), failure };
    }
    recordCompactionRequest(this.#options.compaction, this.#history, sentCount, step.usage);
    if (this.#controller.signal.aborted) {
      // A step cut short may hold a tool call without its result; only a whole step may enter the history.
      if (hasEveryToolResult(step.responseMessages)) this.#acceptStep(step);
      return this.#stopped();
    }
    this.#acceptStep(step);
    if (step.hasToolCalls) return undefined;
    return this.#detector.isBlocked
      ? this.#result('loop-blocked', loopBlockedMessage)
      : this.#result('completed');
  }

  #acceptStep(step: ModelStepResult): void {
    this.#history.push(...step.responseMessages);
    const model = this.#options.modelId ?? `${providerName(step.model.provider)}:${step.model.modelId}`;
    this.#budget.recordAgentUsage({ ...step.usage, model });
    emitSafely(this.#options.onEvent, {
      type: 'step-finished',
      step: this.#steps,
      inputTokens: step.usage.inputTokens + step.usage.cacheReadTokens + step.usage.cacheWriteTokens,
      outputTokens: step.usage.outputTokens,
      finishReason: step.finishReason,
    });
    if (step.text !== '') this.#text = step.text;
  }

  /** Aborts the model call and the wait on code when the wall-time budget runs out mid-step. */
  #armDeadline(): void {
    const remaining = this.#budget.remainingTimeMs();
    // Beyond setTimeout's range (~24.8 days) Node would fire at once; the checks between steps cover that case.
    if (remaining === null || remaining > maximumTimerMs) return;
    this.#deadline = setTimeout(() => this.#stop('time'), Math.max(remaining, 1));
    this.#deadline.unref();
  }

  #stop(reason: 'user' | 'time'): void {
    this.#stopReason ??= reason;
    this.#controller.abort();
  }

  #stopped(): TurnResult {
    if (this.#stopReason !== 'time') return this.#result('aborted', abortedMessage);
    return this.#exhausted(this.#budget.exhaustion() ?? this.#timeExhaustion());
  }

  /** The time limit as the deadline timer saw it (an injected clock may not have moved as far). */
  #timeExhaustion(): BudgetExhaustion {
    const snapshot = this.#budget.snapshot();
    const scope = snapshot.turn.time.limit !== null ? 'turn' : 'session';
    const limit = snapshot[scope].time.limit ?? 0;
    return {
      scope,
      dimension: 'time',
      used: limit,
      limit,
      message: exhaustionMessage(scope, 'time', limit, limit),
    };
  }

  #exhausted(exhaustion: BudgetExhaustion): TurnResult {
    return { ...this.#result('budget-exhausted', exhaustion.message), exhaustion };
  }

  #result(outcome: TurnResult['outcome'], message?: string): TurnResult {
    return {
      messages: this.#history,
      outcome,
      text: this.#text,
      steps: this.#steps,
      ...(message === undefined ? {} : { message }),
    };
  }
}

/** `anthropic.messages` → `anthropic`: the AI SDK names a provider's API after a dot. */
function providerName(sdkProvider: string): string {
  return sdkProvider.split('.', 1)[0] ?? sdkProvider;
}

function modelLabelOf(model: LanguageModel): string {
  return typeof model === 'string' ? model : `${providerName(model.provider)}:${model.modelId}`;
}

/** True when every tool call in `messages` has a tool result among them. */
function hasEveryToolResult(messages: readonly ModelMessage[]): boolean {
  const calls = new Set<string>();
  const results = new Set<string>();
  for (const message of messages) {
    if (typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type === 'tool-call') calls.add(part.toolCallId);
      if (part.type === 'tool-result') results.add(part.toolCallId);
    }
  }
  return [...calls].every((id) => results.has(id));
}
