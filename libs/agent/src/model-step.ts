import {
  generateText,
  streamText,
  type LanguageModel,
  type LanguageModelUsage,
  type ModelMessage,
  type ToolSet,
} from 'ai';
import { narratedModel, type NarrationListener } from './step-narration.js';

/** One model call of the turn loop. */
export interface ModelStepRequest {
  readonly model: LanguageModel;
  readonly system: string;
  readonly messages: ModelMessage[];
  readonly tools: ToolSet;
  readonly abortSignal: AbortSignal;
  readonly isStreaming: boolean;
  readonly maxRetries: number;
  readonly maxOutputTokens: number | undefined;
  readonly onTextDelta: ((text: string) => void) | undefined;
  /** The step's words, each piece before the code that follows it runs (see {@link narratedModel}). */
  readonly onNarration: NarrationListener;
}

/** Token counts of one step, with cache reads and writes apart from the uncached input. */
export interface StepUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
}

/** What one model call (and the tool executions the SDK ran for it) produced. */
export interface ModelStepResult {
  /** The assistant message and, when it called tools, the tool message with their results. */
  readonly responseMessages: ModelMessage[];
  readonly text: string;
  readonly hasToolCalls: boolean;
  readonly finishReason: string;
  readonly usage: StepUsage;
  /** The provider and model as the SDK names them (`anthropic.messages`, `claude-sonnet-4-6`). */
  readonly model: { readonly provider: string; readonly modelId: string };
}

/**
 * Runs one model call with `generateText` or `streamText` (a single step: the SDK runs the tool calls of the
 * response and stops), so the turn loop can check budgets and loops between steps. The step's words go to
 * `onNarration` before its code runs. Throws what the SDK throws.
 */
export async function runModelStep(request: ModelStepRequest): Promise<ModelStepResult> {
  const narrated = narratedModel(request.model, request.onNarration);
  const step = await runStep(request, narrated ?? request.model);
  // A model given by its id cannot be wrapped: its words come after its code, as the SDK reports them.
  if (narrated === undefined && step.text !== '') request.onNarration(step.text);
  return step;
}

async function runStep(request: ModelStepRequest, model: LanguageModel): Promise<ModelStepResult> {
  const common = {
    model,
    system: request.system,
    messages: request.messages,
    tools: request.tools,
    abortSignal: request.abortSignal,
    maxRetries: request.maxRetries,
    ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
  };
  if (!request.isStreaming) {
    const result = await generateText(common);
    return stepResult(result.responseMessages, result.finalStep, result.usage);
  }
  let streamError: unknown;
  const result = streamText({
    ...common,
    // The default handler writes to the console; a lib never logs, and the error is rethrown below.
    onError: ({ error }) => {
      streamError ??= error;
    },
  });
  for await (const part of result.stream) {
    if (part.type === 'text-delta') request.onTextDelta?.(part.text);
  }
  if (streamError !== undefined) throw streamError;
  const [responseMessages, finalStep, usage] = await Promise.all([
    result.responseMessages,
    result.finalStep,
    result.usage,
  ]);
  return stepResult(responseMessages, finalStep, usage);
}

function stepResult(
  responseMessages: ModelMessage[],
  finalStep: {
    text: string;
    toolCalls: readonly unknown[];
    finishReason: string;
    model: { provider: string; modelId: string };
  },
  usage: LanguageModelUsage,
): ModelStepResult {
  return {
    responseMessages,
    text: finalStep.text,
    hasToolCalls: finalStep.toolCalls.length > 0,
    finishReason: finalStep.finishReason,
    usage: stepUsage(usage),
    model: { provider: finalStep.model.provider, modelId: finalStep.model.modelId },
  };
}

/** AI SDK usage → uncached input, output, cache reads and writes (providers may leave any of them undefined). */
export function stepUsage(usage: LanguageModelUsage): StepUsage {
  const cacheReadTokens = usage.inputTokenDetails?.cacheReadTokens ?? 0;
  const cacheWriteTokens = usage.inputTokenDetails?.cacheWriteTokens ?? 0;
  const totalInput = usage.inputTokens ?? 0;
  const inputTokens =
    usage.inputTokenDetails?.noCacheTokens ?? Math.max(0, totalInput - cacheReadTokens - cacheWriteTokens);
  return { inputTokens, outputTokens: usage.outputTokens ?? 0, cacheReadTokens, cacheWriteTokens };
}
