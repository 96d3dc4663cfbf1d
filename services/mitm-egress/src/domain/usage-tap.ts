import { createSseParser } from './sse-parser.js';
import type { UsageFormat } from './providers.js';

/** Token usage as the provider reported it for one response. */
export interface TokenUsage {
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

/** Watches a response body go by (it never holds the client back) and reports the usage at the end. */
export interface UsageTap {
  push(chunk: Buffer): void;
  /** The usage the body reported, or undefined when it reported none (an error, a body cut short). */
  finish(): TokenUsage | undefined;
}

/** Non-streamed bodies are parsed whole at the end; one larger than this is not accounted. */
const maxJsonBytes = 32 * 1024 * 1024;

/** A tap for a response of `contentType` in the provider's format; undefined for bodies that carry no usage. */
export function createUsageTap(format: UsageFormat, contentType: string | undefined): UsageTap | undefined {
  const type = (contentType ?? '').toLowerCase();
  const accumulator = createAccumulator(format);
  if (type.includes('text/event-stream')) {
    const parser = createSseParser((data) => accumulator.accept(parseJson(data)));
    return {
      push: (chunk) => parser.push(chunk),
      finish: () => {
        parser.end();
        return accumulator.result();
      },
    };
  }
  if (!type.includes('json')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    push: (chunk) => {
      size += chunk.length;
      if (size <= maxJsonBytes) chunks.push(chunk);
    },
    finish: () => {
      if (size > maxJsonBytes) return undefined;
      const body = parseJson(Buffer.concat(chunks).toString('utf8'));
      // Google's streamGenerateContent without alt=sse streams one JSON array of responses.
      for (const item of Array.isArray(body) ? body : [body]) accumulator.accept(item);
      return accumulator.result();
    },
  };
}

interface Accumulator {
  accept(message: unknown): void;
  result(): TokenUsage | undefined;
}

type Counts = { input?: number; output?: number; cacheRead?: number; cacheWrite?: number };

function createAccumulator(format: UsageFormat): Accumulator {
  let model = '';
  let counts: Counts | undefined;
  const merge = (update: Counts): void => {
    counts = { ...counts };
    for (const [key, value] of Object.entries(update) as [keyof Counts, number | undefined][]) {
      if (value !== undefined) counts[key] = value;
    }
  };
  const read = format === 'anthropic' ? readAnthropic : format === 'openai' ? readOpenAi : readGoogle;
  return {
    accept(message) {
      if (!isRecord(message)) return;
      const found = read(message);
      if (found.model !== undefined && found.model !== '') model = found.model;
      if (found.counts !== undefined) merge(found.counts);
    },
    result() {
      if (counts === undefined) return undefined;
      const usage: TokenUsage = { model, inputTokens: counts.input ?? 0, outputTokens: counts.output ?? 0 };
      if (counts.cacheRead !== undefined) usage.cacheReadTokens = counts.cacheRead;
      if (counts.cacheWrite !== undefined) usage.cacheWriteTokens = counts.cacheWrite;
      return usage;
    },
  };
}

type Reading = { model?: string | undefined; counts?: Counts | undefined };

// Messages API: a whole message (non-streamed), or message_start (input, cache) then message_delta (cumulative
// output, and in newer versions the final input and cache counts).
function readAnthropic(message: Record<string, unknown>): Reading {
  const source =
    message['type'] === 'message_start' && isRecord(message['message']) ? message['message'] : message;
  const usage = source['usage'];
  if (!isRecord(usage)) return { model: text(source['model']) };
  return {
    model: text(source['model']),
    counts: {
      input: count(usage['input_tokens']),
      output: count(usage['output_tokens']),
      cacheRead: count(usage['cache_read_input_tokens']),
      cacheWrite: count(usage['cache_creation_input_tokens']),
    },
  };
}

// Chat completions (body, or the last stream chunk with stream_options.include_usage) and the Responses API (body,
// or the `response` of response.completed).
function readOpenAi(message: Record<string, unknown>): Reading {
  const source = isRecord(message['response']) ? message['response'] : message;
  const usage = source['usage'];
  if (!isRecord(usage)) return { model: text(source['model']) };
  const details = usage['prompt_tokens_details'] ?? usage['input_tokens_details'];
  return {
    model: text(source['model']),
    counts: {
      input: count(usage['prompt_tokens'] ?? usage['input_tokens']),
      output: count(usage['completion_tokens'] ?? usage['output_tokens']),
      cacheRead: isRecord(details) ? count(details['cached_tokens']) : undefined,
    },
  };
}

// generateContent: usageMetadata on the response (on every streamed chunk, cumulative). Thinking tokens are billed as
// output, so they count as output here.
function readGoogle(message: Record<string, unknown>): Reading {
  const usage = message['usageMetadata'];
  if (!isRecord(usage)) return { model: text(message['modelVersion']) };
  const candidates = count(usage['candidatesTokenCount']) ?? 0;
  const thoughts = count(usage['thoughtsTokenCount']) ?? 0;
  return {
    model: text(message['modelVersion']),
    counts: {
      input: count(usage['promptTokenCount']),
      output: candidates + thoughts,
      cacheRead: count(usage['cachedContentTokenCount']),
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
