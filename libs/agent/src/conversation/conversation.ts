import { modelMessageSchema, type ModelMessage } from 'ai';
import { z } from 'zod';
import { AppError, ErrorCode } from '@ironcurtain/errors';

const conversationSchema = z.array(modelMessageSchema);

/**
 * Checks a stored conversation (a turn's `messages` after `JSON.parse`, e.g. from a transcript or KV) against the
 * AI SDK's message schema before it is resumed. Throws `SCHEMA_INVALID` naming the first problem, so a damaged
 * transcript fails at resume rather than as a provider error in the middle of a turn.
 */
export function parseConversation(value: unknown): ModelMessage[] {
  const parsed = conversationSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined ? '' : ` at messages[${issue.path.join('][')}]`;
  throw new AppError(
    ErrorCode.SchemaInvalid,
    `the stored conversation is not a list of AI SDK model messages${where}: ${issue?.message ?? 'invalid'}`,
  );
}
