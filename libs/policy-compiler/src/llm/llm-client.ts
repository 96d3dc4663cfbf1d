import { generateText, type LanguageModel } from 'ai';
import { AppError, ErrorCode } from '@ironcurtain/errors';

/** One message of a conversation with the model. */
export interface LlmMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** One request to the model: which pipeline stage asks, for which server, and the conversation so far. */
export interface LlmExchange {
  /** The pipeline stage, e.g. `annotate`, `compile-rules`, `judge`; logged with the exchange. */
  stage: string;
  /** The MCP server the exchange is about, when there is one. */
  server?: string | undefined;
  system: string;
  messages: LlmMessage[];
}

/** One logged exchange: what was asked, what came back (or why nothing did), and how long it took. */
export interface LlmInteraction {
  at: string;
  modelId: string;
  stage: string;
  server?: string | undefined;
  system: string;
  messages: LlmMessage[];
  response?: string;
  error?: string;
  durationMs: number;
}

/** The pipeline's view of a model: text in, text out, every exchange reported. */
export interface LlmClient {
  /** `provider:model`; part of every cache key, so a different model never reuses another's answers. */
  readonly modelId: string;
  /** Exchanges sent so far (including failed ones). */
  readonly callCount: number;
  complete(exchange: LlmExchange): Promise<string>;
}

/** Options of {@link createLlmClient}. */
export interface LlmClientOptions {
  model: LanguageModel;
  modelId: string;
  /** Called once per exchange, after it ended; the caller logs it (e.g. to `llm-interactions.jsonl`). */
  onInteraction?: (interaction: LlmInteraction) => void | Promise<void>;
  /** Output budget per answer (default 16000 tokens). */
  maxOutputTokens?: number;
  /** Provider-level retries on transport errors (default 2). */
  maxRetries?: number;
}

/**
 * Wraps an AI SDK language model for the compile pipeline. Errors from the provider become AppError `UNAVAILABLE`
 * naming the stage, so a failed compile says where it stopped.
 */
export function createLlmClient(options: LlmClientOptions): LlmClient {
  let callCount = 0;
  return {
    modelId: options.modelId,
    get callCount() {
      return callCount;
    },
    async complete(exchange) {
      callCount += 1;
      const started = Date.now();
      const base = {
        at: new Date(started).toISOString(),
        modelId: options.modelId,
        stage: exchange.stage,
        server: exchange.server,
        system: exchange.system,
        messages: exchange.messages.map((message) => ({ ...message })),
      };
      try {
        const result = await generateText({
          model: options.model,
          system: exchange.system,
          messages: exchange.messages,
          maxOutputTokens: options.maxOutputTokens ?? 16_000,
          maxRetries: options.maxRetries ?? 2,
        });
        await options.onInteraction?.({ ...base, response: result.text, durationMs: Date.now() - started });
        return result.text;
      } catch (error) {
        const message = (error as Error).message;
        await options.onInteraction?.({ ...base, error: message, durationMs: Date.now() - started });
        throw new AppError(
          ErrorCode.Unavailable,
          `the model ${options.modelId} failed during ${exchange.stage}` +
            `${exchange.server === undefined ? '' : ` for server ${exchange.server}`}: ${message}`,
          { cause: error, retryable: true },
        );
      }
    },
  };
}
