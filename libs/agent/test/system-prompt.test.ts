// The system prompt and the tool-result text the model reads.
import { describe, expect, it } from 'vitest';
import { buildSystemPrompt, formatExecutionResult, summarizeExecution } from '@ironcurtain/agent';
import { catalog } from './agent-fixture.js';

describe('buildSystemPrompt', () => {
  const prompt = buildSystemPrompt({
    catalog,
    sandboxPath: '/sandbox',
    extraInstructions: 'Answer in French.',
  });

  it('explains the sandbox, the policy, tool discovery and batching', () => {
    expect(prompt).toContain('execute_code({ code })');
    expect(prompt).toMatch(/no require or import, no process, no network/);
    expect(prompt).toMatch(/Every tool call is checked against the user's policy/);
    expect(prompt).toMatch(/Do not try the same call again/);
    expect(prompt).toMatch(/Tell the user what was denied and why/);
    expect(prompt).toContain('help.help()');
    expect(prompt).toContain("help.help('server')");
    expect(prompt).toContain("__getToolInterface('server.tool')");
    expect(prompt).toMatch(/Do as much as you can in one execution/);
  });

  it('lists the servers and tool names of the catalog, and the extras', () => {
    expect(prompt).toContain('- filesystem: read_file, list_directory, write_file');
    expect(prompt).not.toContain('Read a file as text.');
    expect(prompt).toContain('/sandbox');
    expect(prompt.endsWith('Additional instructions\nAnswer in French.')).toBe(true);
    expect(buildSystemPrompt({ catalog: { servers: [] } })).toContain('Available servers: none.');
  });
});

describe('formatExecutionResult', () => {
  const report = { toolCalls: 2, truncated: false, durationMs: 12.4 };

  it('shows the result, console lines and counts', () => {
    const text = formatExecutionResult({ ...report, ok: true, result: '42', console: ['a', '[warn] b'] });
    expect(text).toBe('Result:\n42\n\nConsole (2 lines):\na\n[warn] b\n\n(2 tool calls, 12 ms)');
  });

  it('says when there is no result, and when output was truncated', () => {
    const text = formatExecutionResult({ ...report, ok: true, console: [], truncated: true, toolCalls: 1 });
    expect(text).toMatch(/^Result: \(none: the code produced undefined/);
    expect(text).toContain('(1 tool call, 12 ms)');
    expect(text).toMatch(/truncated to the size limit/);
  });

  it('names the failure kind and keeps the message', () => {
    const execution = {
      ...report,
      ok: false as const,
      console: [],
      error: { kind: 'syntax' as const, message: "Unexpected token ':' [agent.js:1:6]" },
    };
    expect(formatExecutionResult(execution)).toMatch(
      /^Execution failed: syntax error \(the code is JavaScript, not TypeScript\)\nUnexpected token/,
    );
    expect(summarizeExecution(execution)).toBe(
      "syntax: Unexpected token ':' [agent.js:1:6] (2 tool calls, 12 ms)",
    );
  });
});
