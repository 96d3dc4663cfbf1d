import type { z } from 'zod';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { formatSchemaIssues } from '@ironcurtain/policy-engine';
import { contentKey, type ContentCache } from './content-cache.js';
import { extractJson } from './extract-json.js';
import type { LlmClient, LlmMessage } from './llm-client.js';

/** A question whose answer must be JSON of a known shape. */
export interface JsonQuestion<Output> {
  stage: string;
  server?: string | undefined;
  system: string;
  prompt: string;
  schema: z.ZodType<Output>;
  /** Checks beyond the schema (cross-references, invariants); each string is one problem told to the model. */
  check?: (answer: Output) => string[];
  /** Turns in which the model is shown its problems and asked again (default 2). */
  repairTurns?: number;
}

/** Where answers come from and where they are remembered. */
export interface AskContext {
  llm: LlmClient;
  cache?: ContentCache | undefined;
}

/**
 * Asks until the answer parses, matches the schema and passes `check`, showing the model its problems for up to
 * `repairTurns` more turns. A validated answer is cached under the hash of (model, stage, server, system, prompt),
 * so the same question is never sent twice. Throws AppError `SCHEMA_INVALID` with the last problems when every
 * turn failed.
 */
export async function askForJson<Output>(
  context: AskContext,
  question: JsonQuestion<Output>,
): Promise<Output> {
  const key = contentKey({
    modelId: context.llm.modelId,
    stage: question.stage,
    server: question.server ?? null,
    system: question.system,
    prompt: question.prompt,
  });
  const cached = context.cache === undefined ? undefined : await context.cache.get(key);
  if (cached !== undefined) {
    const reparsed = question.schema.safeParse(cached);
    if (reparsed.success) return reparsed.data;
  }
  const answer = await converse(context.llm, question);
  await context.cache?.set(key, answer);
  return answer;
}

async function converse<Output>(llm: LlmClient, question: JsonQuestion<Output>): Promise<Output> {
  const messages: LlmMessage[] = [{ role: 'user', content: question.prompt }];
  const turns = 1 + (question.repairTurns ?? 2);
  let problems: string[] = [];
  for (let turn = 0; turn < turns; turn += 1) {
    const text = await llm.complete({
      stage: question.stage,
      server: question.server,
      system: question.system,
      messages,
    });
    const outcome = validate(text, question);
    if (outcome.ok) return outcome.value;
    problems = outcome.problems;
    messages.push({ role: 'assistant', content: text }, { role: 'user', content: repairPrompt(problems) });
  }
  throw new AppError(
    ErrorCode.SchemaInvalid,
    `the model's answer for ${question.stage}${question.server === undefined ? '' : ` (server ${question.server})`} ` +
      `was still invalid after ${turns} turns:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
  );
}

type Validation<Output> = { ok: true; value: Output } | { ok: false; problems: string[] };

function validate<Output>(text: string, question: JsonQuestion<Output>): Validation<Output> {
  const extracted = extractJson(text);
  if (!extracted.ok) return { ok: false, problems: [extracted.problem] };
  const parsed = question.schema.safeParse(extracted.value);
  if (!parsed.success) {
    return { ok: false, problems: formatSchemaIssues('answer', parsed.error.issues).split('\n') };
  }
  const problems = question.check?.(parsed.data) ?? [];
  return problems.length === 0 ? { ok: true, value: parsed.data } : { ok: false, problems };
}

/** The user turn of a repair: every problem, and the instruction to answer again in full. */
export function repairPrompt(problems: readonly string[]): string {
  return [
    'Your answer cannot be used yet. Problems found:',
    ...problems.map((problem) => `- ${problem}`),
    '',
    'Answer again with the complete corrected JSON object (not a diff), and nothing else.',
  ].join('\n');
}
