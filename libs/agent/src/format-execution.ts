import type { ExecutionResult } from '@ironcurtain/code-mode';

const failureTitles: Readonly<Record<string, string>> = {
  timeout: 'Execution stopped: time limit',
  memory: 'Execution stopped: memory limit',
  thrown: 'Execution failed: the code threw',
  syntax: 'Execution failed: syntax error (the code is JavaScript, not TypeScript)',
};

/**
 * Writes one execution's outcome as the text the model reads as the `execute_code` result: the result (or the
 * error), the console lines, how many tool calls the code made, and a note when output was truncated. The text is
 * plain so every provider carries it the same way.
 */
export function formatExecutionResult(execution: ExecutionResult): string {
  const sections: string[] = [];
  if (execution.ok) {
    sections.push(
      execution.result === undefined
        ? 'Result: (none: the code produced undefined; return or end with an expression to see a value)'
        : `Result:\n${execution.result}`,
    );
  } else {
    const title = failureTitles[execution.error.kind] ?? 'Execution failed';
    sections.push(`${title}\n${execution.error.message}`);
  }
  if (execution.console.length > 0) {
    sections.push(`Console (${execution.console.length} lines):\n${execution.console.join('\n')}`);
  }
  const calls = execution.toolCalls === 1 ? '1 tool call' : `${execution.toolCalls} tool calls`;
  sections.push(`(${calls}, ${Math.round(execution.durationMs)} ms)`);
  if (execution.truncated) {
    sections.push(
      'Note: the output was truncated to the size limit. Ask for less (filter, slice, count) instead of ' +
        'printing everything.',
    );
  }
  return sections.join('\n\n');
}

/** A one-line summary of an execution for tool notes shown to the user (`ok: 2 tool calls, 14 ms`). */
export function summarizeExecution(execution: ExecutionResult): string {
  const calls = execution.toolCalls === 1 ? '1 tool call' : `${execution.toolCalls} tool calls`;
  const timing = `${calls}, ${Math.round(execution.durationMs)} ms`;
  if (execution.ok) return `ok (${timing})`;
  const firstLine = execution.error.message.split('\n', 1)[0] ?? '';
  const brief = firstLine.length > 200 ? `${firstLine.slice(0, 200)}…` : firstLine;
  return `${execution.error.kind}: ${brief} (${timing})`;
}
