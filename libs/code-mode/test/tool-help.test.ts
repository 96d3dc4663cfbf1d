import { describe, expect, it } from 'vitest';
import { createCodeRunner, type ExecutionResult } from '@ironcurtain/code-mode';
import { catalog, createToolHost } from './tool-host.js';

function resultOf(execution: ExecutionResult): string | undefined {
  if (!execution.ok)
    throw new Error(`expected success, got ${execution.error.kind}: ${execution.error.message}`);
  return execution.result;
}

function errorOf(execution: ExecutionResult) {
  if (execution.ok) throw new Error(`expected a failure, got result ${String(execution.result)}`);
  return execution.error;
}

describe('help and tool interfaces', () => {
  const runner = createCodeRunner({ tools: catalog, callTool: createToolHost().callTool });

  it('help.help() lists every server and tool with one-line descriptions', async () => {
    const text = resultOf(await runner.execute(`help.help()`)) ?? '';
    expect(text).toContain('filesystem — Read and write files inside the session sandbox.');
    expect(text).toContain('  filesystem.read_file — Read the complete contents of a file as text.');
    expect(text).not.toContain('Use head or tail');
    expect(text).toContain('  filesystem.list_things — List things');
    expect(text).toContain('  git.git_push — Push commits to a remote.');
  });

  it("help.help('server') shows the server's tools with their arguments as types", async () => {
    const text = resultOf(await runner.execute(`help.help('filesystem')`)) ?? '';
    expect(text).toContain(
      'filesystem.read_file(args: { path: string; head?: number; tail?: number }): string',
    );
    expect(text).toContain('filesystem.list_things(args?: { kinds?: ("file" | "directory")[] }): string');
    expect(text).not.toContain('git_status');
  });

  it("__getToolInterface('server.tool') gives the full interface with descriptions and defaults", async () => {
    const text = resultOf(await runner.execute(`__getToolInterface('git.git_push')`));
    expect(text).toBe(
      [
        '/** Push commits to a remote. */',
        'git.git_push(args?: {',
        '  /** default: "origin" */',
        '  remote?: string;',
        '  branch?: string;',
        '}): string',
      ].join('\n'),
    );
    const aliased = resultOf(await runner.execute(`__getToolInterface('filesystem.list-things')`));
    expect(aliased).toContain('// also callable as filesystem["list-things"]');
  });

  it('suggests the closest names for a typo', async () => {
    const tool = errorOf(await runner.execute(`__getToolInterface('filesystem.raed_file')`));
    expect(tool.message).toMatch(
      /^Unknown tool "filesystem\.raed_file"\. Did you mean filesystem\.read_file,/,
    );
    const bare = errorOf(await runner.execute(`__getToolInterface('git_stats')`));
    expect(bare.message).toMatch(/Did you mean git\.git_status\?/);
    const server = errorOf(await runner.execute(`help.help('filesytem')`));
    expect(server.message).toMatch(/^Unknown server "filesytem"\. Did you mean filesystem\?/);
    const nothingClose = errorOf(await runner.execute(`__getToolInterface('zzzzzzzz.qqqqqqq')`));
    expect(nothingClose.message).toBe(
      'Unknown tool "zzzzzzzz.qqqqqqq". help.help() lists every server and tool. (at agent.js:1:1)',
    );
  });
});
