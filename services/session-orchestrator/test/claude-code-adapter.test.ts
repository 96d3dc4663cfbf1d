// The Claude Code adapter's pure parts: what it reads from real `claude -p --output-format json` runs (captured with
// Claude Code 2.1.331 through the egress, see fixtures/claude-code/README.md), the files and command lines it hands
// the container host, and the registry's answer to an unknown agent name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '@ironcurtain/errors';
import { describe, expect, it } from 'vitest';
import { containerPaths } from '../src/domain/agents/agent-adapter.js';
import { adapterOf, agentAdapters } from '../src/domain/agents/agent-registry.js';
import { claudeCodeAdapter, parseClaudeCodeOutput } from '../src/domain/agents/claude-code.js';
import { mcpClientConfig, systemPrompt } from '../src/domain/agents/orientation-files.js';

function capturedRun(name: string): { stdout: string; stderr: string; exitCode: number } {
  const path = join(import.meta.dirname, 'fixtures', 'claude-code', `${name}.output.json`);
  return JSON.parse(readFileSync(path, 'utf8')) as { stdout: string; stderr: string; exitCode: number };
}

const facts = { sessionId: 'sess-1', sentinel: 'sk-ant-ic-sentinel-0123456789abcdefghij' };

describe('parseBatchOutput on real Claude Code runs', () => {
  it.each([
    ['tool-calls-denied-push', 'The push was refused: DENIED by policy.'],
    ['resumed-turn', 'plain answer'],
  ])('%s: the result text, a success', (name, text) => {
    expect(claudeCodeAdapter.parseBatchOutput(capturedRun(name))).toEqual({
      text,
      isError: false,
      isQuotaExhausted: false,
    });
  });

  it.each([
    ['rate-limited-429', /rate limit/],
    ['overloaded-529', /529 Overloaded/],
    ['credit-balance-too-low', /Credit balance is too low/],
  ])('%s: an error the user can act on (quota)', (name, text) => {
    const result = claudeCodeAdapter.parseBatchOutput(capturedRun(name));
    expect(result).toMatchObject({ isError: true, isQuotaExhausted: true });
    expect(result.text).toMatch(text);
  });

  it.each([
    ['server-error-500', /500 Internal server error/],
    ['egress-refused-key-403', /Invalid API key/],
    ['max-turns', /^Reached maximum number of turns \(1\)$/],
    ['missing-mcp-config', /MCP config file not found/],
    ['unknown-option', /^error: unknown option '--no-such-flag'$/],
  ])('%s: an error that is not about quota, with its message', (name, text) => {
    const result = claudeCodeAdapter.parseBatchOutput(capturedRun(name));
    expect(result).toMatchObject({ isError: true, isQuotaExhausted: false });
    expect(result.text).toMatch(text);
  });

  it('counts a non-zero exit as an error even when the result says success', () => {
    const run = capturedRun('tool-calls-denied-push');
    expect(parseClaudeCodeOutput({ ...run, exitCode: 137 })).toMatchObject({
      text: 'The push was refused: DENIED by policy.',
      isError: true,
    });
  });

  it('finds the result object after other lines, and takes plain stdout of a clean exit as the answer', () => {
    const run = capturedRun('rate-limited-429');
    expect(parseClaudeCodeOutput({ ...run, stdout: `warning: something\n${run.stdout}` })).toMatchObject({
      isQuotaExhausted: true,
    });
    expect(parseClaudeCodeOutput({ stdout: 'just text\n', stderr: '', exitCode: 0 })).toEqual({
      text: 'just text',
      isError: false,
      isQuotaExhausted: false,
    });
    expect(parseClaudeCodeOutput({ stdout: '', stderr: '', exitCode: 2 })).toEqual({
      text: 'Claude Code exited with code 2.',
      isError: true,
      isQuotaExhausted: false,
    });
  });
});

describe('the Claude Code adapter', () => {
  it('gives the sentinel, never another key, and keeps its config in the persisted state folder', () => {
    const environment = claudeCodeAdapter.environment(facts);
    expect(environment).toMatchObject({
      ANTHROPIC_API_KEY: facts.sentinel,
      CLAUDE_CONFIG_DIR: '/home/agent/.claude',
      NODE_EXTRA_CA_CERTS: containerPaths.caCertificate,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
    });
    expect(claudeCodeAdapter.statePath).toBe(environment['CLAUDE_CONFIG_DIR']);
    expect(environment).not.toHaveProperty('ANTHROPIC_MODEL');
    expect(environment).not.toHaveProperty('HTTPS_PROXY');
    expect(claudeCodeAdapter.environment({ ...facts, model: 'claude-sonnet-4-6' })).toMatchObject({
      ANTHROPIC_MODEL: 'claude-sonnet-4-6',
    });
  });

  it('seeds onboarding done, /workspace trusted, the sentinel approved and auto mode off', () => {
    const files = claudeCodeAdapter.stateFiles(facts);
    expect(Object.keys(files).sort()).toEqual(['.claude.json', 'settings.json']);
    const globalConfig = JSON.parse(files['.claude.json'] ?? '') as Record<string, unknown>;
    expect(globalConfig).toMatchObject({
      hasCompletedOnboarding: true,
      customApiKeyResponses: { approved: ['0123456789abcdefghij'], rejected: [] },
      projects: { '/workspace': { hasTrustDialogAccepted: true } },
    });
    expect(JSON.parse(files['settings.json'] ?? '')).toMatchObject({
      permissions: {
        allow: ['mcp__ironcurtain'],
        deny: ['WebFetch', 'WebSearch'],
        disableAutoMode: 'disable',
      },
    });
  });

  it('runs a turn with the container paths, resumes later turns, and keeps a message that looks like a flag', () => {
    const first = claudeCodeAdapter.batchCommand({ message: '--help me', isResume: false }, facts);
    expect(first.slice(0, 4)).toEqual(['claude', '-p', '--output-format', 'json']);
    expect(first.slice(-2)).toEqual(['--', '--help me']);
    expect(first).not.toContain('--continue');
    expect(first).toEqual(
      expect.arrayContaining([
        containerPaths.mcpClientConfig,
        '--strict-mcp-config',
        containerPaths.systemPrompt,
        '--append-system-prompt-file',
        'dontAsk',
        'mcp__ironcurtain',
        'WebFetch,WebSearch',
      ]),
    );
    const later = claudeCodeAdapter.batchCommand({ message: 'and now?', isResume: true }, facts);
    expect(later.slice(0, 3)).toEqual(['claude', '-p', '--continue']);
  });

  it('starts the TUI with the same flags, and the task as its first prompt', () => {
    const batchFlags = claudeCodeAdapter.batchCommand({ message: 'x', isResume: false }, facts).slice(4, -2);
    expect(claudeCodeAdapter.interactiveCommand(undefined, facts)).toEqual(['claude', ...batchFlags]);
    expect(claudeCodeAdapter.interactiveCommand('fix it', facts)).toEqual([
      'claude',
      ...batchFlags,
      '--',
      'fix it',
    ]);
  });
});

describe('orientation files', () => {
  it('points the ironcurtain MCP server at the session socket through socat', () => {
    expect(mcpClientConfig()).toEqual({
      mcpServers: {
        ironcurtain: { command: 'socat', args: ['STDIO', 'UNIX-CONNECT:/run/ironcurtain/mcp.sock'] },
      },
    });
  });

  it('tells the agent where it works, what its tools are and what a denial means', () => {
    const prompt = systemPrompt();
    for (const part of [
      '/workspace',
      'ironcurtain',
      'policy',
      'DENIED:',
      'ESCALATION DENIED:',
      'no network',
    ]) {
      expect(prompt).toContain(part);
    }
  });
});

describe('the agent registry', () => {
  it('finds Claude Code by its name', () => {
    expect(adapterOf('claude-code')).toBe(claudeCodeAdapter);
    expect([...agentAdapters.keys()]).toContain('claude-code');
  });

  it('refuses an unknown name with CONFIG_INVALID, listing the agents there are', () => {
    expect(() => adapterOf('claude')).toThrow(
      expect.objectContaining({
        code: ErrorCode.ConfigInvalid,
        message: expect.stringContaining('claude-code') as unknown,
      }),
    );
  });
});
