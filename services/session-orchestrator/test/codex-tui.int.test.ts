// The Codex adapter's interactive command in a real terminal (util-linux `script` gives it a PTY on the host): the
// TUI asks no login and no update, only whether to open the untrusted /workspace restricted, then does the task
// through the egress and shows the model's answer. What a person would see is read with a headless xterm.
import { spawn, type ChildProcess } from 'node:child_process';
import { eventually, renderInTerminal, stopProcess } from '@ironcurtain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codexAdapter } from '../src/domain/agents/codex.js';
import { startCodexWorld, type CodexWorld } from './codex-world.js';

const size = { cols: 120, rows: 40 };

// One argument for `script -c` (a shell command line), each part single-quoted.
function shellLine(command: readonly string[]): string {
  return command.map((part) => `'${part.replaceAll("'", `'\\''`)}'`).join(' ');
}

describe("the Codex adapter's TUI in a terminal", () => {
  let world: CodexWorld;
  let terminal: ChildProcess | undefined;
  let output = '';
  const screen = async (): Promise<string> => (await renderInTerminal(output, size)).lines.join('\n');
  beforeAll(async () => {
    world = await startCodexWorld({ sessionId: 'sess-codex-tui' });
  }, 60_000);
  afterAll(async () => {
    if (terminal !== undefined) await stopProcess(terminal, 1000);
    await world?.close();
  });

  it('opens the workspace restricted, runs the task through the egress, and shows the answer', async () => {
    world.respond = () => ({ text: 'Hello from the fake model, in the TUI.' });
    const command = codexAdapter.interactiveCommand('Say hello.', world.facts);
    const line = `stty cols ${size.cols} rows ${size.rows}; exec ${shellLine(command)}`;
    terminal = spawn('script', ['-qfec', line, '/dev/null'], {
      env: { ...world.environment, TERM: 'xterm-256color', LANG: 'C.UTF-8' },
      cwd: world.workspace,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    terminal.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const first = await eventually(
      'the folder access question',
      async () => {
        const text = await screen();
        return text.includes('Open restricted') ? text : undefined;
      },
      20_000,
    );
    expect(first).not.toMatch(/sign in|log ?in|api key|update available/i);
    // Enter until the question is gone: the first may come before the TUI reads its input.
    await eventually(
      'the folder access question answered',
      async () => {
        if (!(await screen()).includes('Open restricted')) return true;
        terminal?.stdin?.write('\r');
        return undefined;
      },
      20_000,
      1000,
    );
    const answered = await eventually(
      'the answer on screen',
      async () => {
        const text = await screen();
        return text.includes('Hello from the fake model, in the TUI.') ? text : undefined;
      },
      20_000,
    );
    expect(answered).toContain('Say hello.');
    const events = world.harness.requestEvents.filter((event) => event.sessionId === 'sess-codex-tui');
    const allowed = events.filter((event) => event.decision === 'allow');
    expect(allowed.length).toBeGreaterThan(0);
    expect(allowed.every((event) => event.method === 'POST' && event.path === '/v1/responses')).toBe(true);
    // The TUI's one other call, its announcement tip from raw.githubusercontent.com, is refused; it carries on.
    const refusedHosts = new Set(
      events.filter((event) => event.decision === 'deny').map((event) => event.host),
    );
    expect([...refusedHosts].every((host) => host === 'raw.githubusercontent.com')).toBe(true);
  }, 60_000);
});
