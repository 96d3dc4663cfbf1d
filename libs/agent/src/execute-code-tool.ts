import { tool, type Tool } from 'ai';
import { z } from 'zod';
import type { CodeRunner, ExecutionResult } from '@ironcurtain/code-mode';
import { emitSafely, type AgentEventListener } from './agent-events.js';
import { formatExecutionResult, summarizeExecution } from './format-execution.js';
import type { LoopDetector } from './loop-detector.js';

/** The name of the agent's one tool. */
export const executeCodeToolName = 'execute_code';

const description =
  'Run JavaScript in the IronCurtain sandbox and get back its result, console output and any error. ' +
  "Each MCP server is a global; its tools are synchronous functions taking one arguments object (e.g. filesystem.read_file({ path: 'a.txt' })). " +
  "Discover tools with help.help(), help.help('server') and __getToolInterface('server.tool'). " +
  'Every tool call is checked against the user policy; a denied call throws an Error starting with "DENIED:". ' +
  'Nothing persists between executions, so batch related work into one piece of code.';

const inputSchema = z.object({
  code: z
    .string()
    .describe(
      'JavaScript (not TypeScript) to run. The last expression, or what top-level code returns, is the result.',
    ),
});

/** What the `execute_code` tool needs from its turn. */
export interface ExecuteCodeContext {
  readonly runner: CodeRunner;
  readonly detector: LoopDetector;
  readonly abortSignal: AbortSignal;
  readonly onEvent: AgentEventListener | undefined;
  /** Called when the loop detector refused enough calls that the turn should end without the model. */
  readonly onGiveUp: () => void;
}

/**
 * Builds the `execute_code` tool for one turn: runs the code with the caller's runner, records it with the loop
 * detector, and answers the formatted outcome (with a warning appended when the code repeats). Once the detector
 * blocks, it answers the block message without running anything.
 */
export function createExecuteCodeTool(context: ExecuteCodeContext): Tool<{ code: string }, string> {
  return tool({
    description,
    inputSchema,
    execute: async ({ code }, { toolCallId }) => {
      if (context.abortSignal.aborted) {
        emitSafely(context.onEvent, { type: 'code-refused', toolCallId, code, reason: 'aborted' });
        return 'ABORTED: the user stopped the turn; the code did not run.';
      }
      if (context.detector.isBlocked) {
        emitSafely(context.onEvent, { type: 'code-refused', toolCallId, code, reason: 'loop-blocked' });
        if (context.detector.refuse()) context.onGiveUp();
        return context.detector.blockedMessage;
      }
      emitSafely(context.onEvent, { type: 'code-started', toolCallId, code });
      const execution = await runUnlessAborted(context.runner, code, context.abortSignal);
      if (execution === undefined) return 'ABORTED: the user stopped the turn while the code was running.';
      const verdict = context.detector.record(code, execution);
      emitSafely(context.onEvent, {
        type: 'code-finished',
        toolCallId,
        code,
        isOk: execution.ok,
        summary: summarizeExecution(execution),
        durationMs: execution.durationMs,
        toolCalls: execution.toolCalls,
        loop: verdict.kind,
      });
      const text = formatExecutionResult(execution);
      return verdict.kind === 'ok' ? text : `${text}\n\n${verdict.message}`;
    },
  });
}

/**
 * Runs the code, or gives up waiting when the turn is aborted. The runner cannot be cancelled: an abandoned
 * execution ends at its own time limit, and its tool calls see their signal aborted then.
 */
async function runUnlessAborted(
  runner: CodeRunner,
  code: string,
  abortSignal: AbortSignal,
): Promise<ExecutionResult | undefined> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    abortSignal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([runner.execute(code), aborted]);
  } finally {
    if (onAbort !== undefined) abortSignal.removeEventListener('abort', onAbort);
  }
}
