import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LlmInteraction } from './llm-client.js';

/** Appends every LLM exchange to a JSONL file, one line per exchange, in the order they ended. */
export interface InteractionLog {
  readonly filePath: string;
  record(interaction: LlmInteraction): Promise<void>;
}

/**
 * An append-only `llm-interactions.jsonl`. Writes are chained so concurrent stages never interleave inside a line.
 */
export function createInteractionLog(filePath: string): InteractionLog {
  let pending: Promise<void> = mkdir(dirname(filePath), { recursive: true }).then(() => undefined);
  return {
    filePath,
    record(interaction) {
      pending = pending.then(() => appendFile(filePath, `${JSON.stringify(interaction)}\n`, 'utf8'));
      return pending;
    },
  };
}
