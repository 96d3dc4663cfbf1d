import { formatJsonPath, type ToolCall } from '@ironcurtain/policy-engine';
import { z } from 'zod';
import { describeJsonSyntaxError } from '../json-line.js';

/**
 * A call as the user types it for `policy eval` and `policy explain`. Strict: a misspelt key (`args`) would
 * otherwise be dropped and the call decided without the arguments its author meant.
 */
export const toolCallInput = z.strictObject({
  serverName: z.string().min(1),
  toolName: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()).default({}),
});

/** The call, or a sentence saying what is wrong with the text. */
export type ToolCallParse = { ok: true; call: ToolCall } | { ok: false; problem: string };

/** Parses one JSON call (`{"serverName","toolName","arguments"}`). */
export function parseToolCall(text: string): ToolCallParse {
  const syntaxProblem = describeJsonSyntaxError(text);
  if (syntaxProblem !== undefined) return { ok: false, problem: syntaxProblem };
  const parsed = toolCallInput.safeParse(JSON.parse(text));
  if (parsed.success) return { ok: true, call: parsed.data };
  const problems = parsed.error.issues.map((issue) => `${formatJsonPath(issue.path)}: ${issue.message}`);
  return {
    ok: false,
    problem: `expected {"serverName", "toolName", "arguments"}: ${problems.join('; ')}`,
  };
}
