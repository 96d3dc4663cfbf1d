// The Codex adapter's pure parts: reading `codex exec --json` runs captured from the real CLI (0.171.0, through the
// egress, in fixtures/codex/), its command lines, environment and config.toml.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerPaths, type AgentRunResult } from '../src/domain/agents/agent-adapter.js';
import { codexAdapter } from '../src/domain/agents/codex.js';
import { tomlString } from '../src/domain/agents/codex-config.js';

const captured = (name: string): string =>
  readFileSync(join(import.meta.dirname, 'fixtures', 'codex', `${name}.jsonl`), 'utf8');
const facts = { sessionId: 'sess-1', model: 'gpt-5.5', sentinel: 'sk-sentinel-of-sess-1' };

describe('codexAdapter.parseBatchOutput on captured runs', () => {
  const cases: Array<{ name: string; exitCode: number; expected: AgentRunResult }> = [
    {
      name: 'completed-with-denial',
      exitCode: 0,
      expected: {
        text:
          'I saved /workspace/greeting.txt. Deleting notes.txt was refused: DENIED: deleting /workspace/notes.txt ' +
          'is not allowed (rule: workspace files are kept)',
        isError: false,
        isQuotaExhausted: false,
      },
    },
    {
      // Codex reports config warnings as `error` items; the turn still completed.
      name: 'completed-with-warnings',
      exitCode: 0,
      expected: { text: 'Done, with warnings.', isError: false, isQuotaExhausted: false },
    },
    {
      name: 'quota-exceeded',
      exitCode: 1,
      expected: {
        text: 'Quota exceeded. Check your plan and billing details.',
        isError: true,
        isQuotaExhausted: true,
      },
    },
    {
      name: 'rate-limited',
      exitCode: 1,
      expected: {
        text: 'exceeded retry limit, last status: 429 Too Many Requests',
        isError: true,
        isQuotaExhausted: true,
      },
    },
    {
      // Five reconnect notices first; the failure is the turn's, and a refusal by the egress is not a quota.
      name: 'egress-refused',
      exitCode: 1,
      expected: {
        text:
          'unexpected status 403 Forbidden: mitm-egress: the authorization is not a sentinel key of a live ' +
          'session, url: https://api.openai.com/v1/responses',
        isError: true,
        isQuotaExhausted: false,
      },
    },
  ];
  it.each(cases)('$name', ({ name, exitCode, expected }) => {
    const output = { stdout: captured(name), stderr: 'Reading additional input from stdin...\n', exitCode };
    expect(codexAdapter.parseBatchOutput(output)).toEqual(expected);
  });

  it('a run that printed no event fails with the last line of stderr', () => {
    const stderr =
      'Error loading config.toml: unknown configuration field `features.not_a_feature` in -c/--config override\n';
    expect(codexAdapter.parseBatchOutput({ stdout: '', stderr, exitCode: 1 })).toEqual({
      text:
        'Codex exited with code 1: Error loading config.toml: unknown configuration field ' +
        '`features.not_a_feature` in -c/--config override',
      isError: true,
      isQuotaExhausted: false,
    });
  });

  it('a run cut short (exit 0 without turn.completed) is an error, not an empty answer', () => {
    const stdout = captured('completed-with-denial').split('\n').slice(0, 4).join('\n');
    expect(codexAdapter.parseBatchOutput({ stdout, stderr: '', exitCode: 0 })).toMatchObject({
      isError: true,
    });
  });

  it('a killed run keeps the answer out and says how it ended', () => {
    const stdout = captured('completed-with-denial').split('\n').slice(0, 7).join('\n');
    expect(codexAdapter.parseBatchOutput({ stdout, stderr: '', exitCode: 137 })).toEqual({
      text: 'Codex exited with code 137',
      isError: true,
      isQuotaExhausted: false,
    });
  });
});

describe('codexAdapter command lines and files', () => {
  it('runs a first turn, then resumes the last conversation; the message always follows `--`', () => {
    expect(codexAdapter.batchCommand({ message: '-rf resume', isResume: false }, facts)).toEqual([
      'codex',
      'exec',
      '--json',
      '--skip-git-repo-check',
      '--strict-config',
      '--',
      '-rf resume',
    ]);
    expect(codexAdapter.batchCommand({ message: 'next', isResume: true }, facts)).toEqual([
      'codex',
      'exec',
      'resume',
      '--last',
      '--json',
      '--skip-git-repo-check',
      '--strict-config',
      '--',
      'next',
    ]);
    expect(codexAdapter.interactiveCommand(undefined, facts)).toEqual(['codex', '--strict-config']);
    expect(codexAdapter.interactiveCommand('--help me', facts)).toEqual([
      'codex',
      '--strict-config',
      '--',
      '--help me',
    ]);
  });

  it('keeps its state under /home/agent and holds only the sentinel', () => {
    expect(codexAdapter.statePath).toBe(`${containerPaths.home}/.codex`);
    expect(codexAdapter.environment(facts)).toEqual({
      CODEX_HOME: codexAdapter.statePath,
      OPENAI_API_KEY: facts.sentinel,
    });
  });

  it('writes config.toml with the MCP server at the socket and the model as one TOML string', () => {
    const hostile = { ...facts, model: 'gpt"\n[mcp_servers.planted]\ncommand = "sh' };
    const config = codexAdapter.stateFiles(hostile)['config.toml'] ?? '';
    expect(config).toContain(`model = ${JSON.stringify(hostile.model)}`);
    expect(config.split('\n').filter((line) => line.startsWith('[mcp_servers.'))).toEqual([
      '[mcp_servers.ironcurtain]',
    ]);
    expect(config).toContain(`args = ["STDIO", "UNIX-CONNECT:${containerPaths.mcpSocket}"]`);
    expect(config).toContain('default_tools_approval_mode = "approve"');
    expect(config).toMatch(/^shell_tool = false$/m);
    expect(config).toMatch(/^\[projects\."\/workspace"\]\ntrust_level = "untrusted"$/m);
    expect(Object.keys(codexAdapter.stateFiles({ ...facts, model: undefined }))).toEqual(['config.toml']);
    expect(codexAdapter.stateFiles({ ...facts, model: undefined })['config.toml']).not.toMatch(/^model = /m);
  });

  it('escapes what TOML forbids in a basic string', () => {
    expect(tomlString('a\u007fb')).toBe('"a\\u007Fb"');
    expect(tomlString('lone \ud800 surrogate')).toBe('"lone \ufffd surrogate"');
    expect(tomlString('tab\there "quoted" \\ back')).toBe('"tab\\there \\"quoted\\" \\\\ back"');
  });
});
