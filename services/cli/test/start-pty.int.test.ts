// PTY mode end to end, in real pseudo-terminals (a private tmux server): `ironcurtain start --pty --agent
// claude-code "task"` attaches one pane to the real Claude Code TUI in its network-less container; the task is typed
// into the TUI once it waits at its prompt; the model (a fake Anthropic API behind the real egress) asks for a
// git_push, which the shipped policy escalates: the PTY pane rings its bell, and `ironcurtain escalation-listener` in
// a second pane approves it with `/approve 1`. A second listener is refused while the first runs and starts once the
// first is SIGKILLed. Ctrl-\ ends the session: the container is gone and the pane's terminal is cooked again.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureAgentImage } from '@ironcurtain/agent-images';
import { checkEngine, createDockerEngine } from '@ironcurtain/docker-engine';
import {
  ensureStandInNodeImage,
  eventually,
  type FakeLlmReply,
  type FakeLlmServer,
} from '@ironcurtain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from './session-fixture.js';
import { cliEntry, killLeftovers, pidsOf, readStackFile } from './stack-process.js';

const run = promisify(execFile);
const engine = createDockerEngine(process.env['DOCKER_HOST']);
const push = { path: '/workspace', remote: 'https://github.com/example/notes.git', branch: 'main' };

function scriptedReply(body: Record<string, unknown> | undefined): FakeLlmReply {
  if (!JSON.stringify(body?.['tools'] ?? []).includes('mcp__ironcurtain__git__git_push'))
    return { text: 'Notes' };
  const results = (JSON.stringify(body?.['messages'] ?? []).match(/"tool_result"/g) ?? []).length;
  if (results === 0) return { toolCalls: [{ name: 'mcp__ironcurtain__git__git_push', input: push }] };
  return { text: 'The push was answered.' };
}

describe('ironcurtain start --pty with the escalation listener', () => {
  let folder: string;
  let anthropic: FakeLlmServer;
  let environment: Record<string, string>;
  const tmux = async (...args: string[]) =>
    (await run('tmux', ['-S', join(folder, 'tmux.sock'), '-f', join(folder, 'tmux.conf'), ...args])).stdout;
  const screen = (pane: string) => tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', pane);
  const waitForScreen = (pane: string, pattern: RegExp, timeoutMs = 60_000) =>
    eventually(`${pane} to show ${pattern}`, async () => pattern.test(await screen(pane)), timeoutMs).catch(
      async (error: Error) => {
        throw new Error(`${error.message}\n--- ${pane} ---\n${await screen(pane).catch(() => '')}`, {
          cause: error,
        });
      },
    );
  // Each pane runs the CLI through a script holding the test's environment (tmux panes get the server's otherwise).
  const startPane = async (name: string, args: string[]) => {
    const script = join(folder, `${name}.sh`);
    const exports = Object.entries(environment).map(([key, value]) => `export ${key}=${shellQuote(value)}`);
    const command = [process.execPath, cliEntry, ...args].map(shellQuote).join(' ');
    await writeFile(script, `${exports.join('\n')}\nexec ${command}\n`, { mode: 0o700 });
    await tmux('new-window', '-d', '-n', name, `bash ${shellQuote(script)}`);
  };
  const bells = async () =>
    (await readFile(join(folder, 'bells'), 'utf8').catch(() => '')).split('\n').length - 1;
  const agentContainers = () =>
    engine.client.listContainers({ all: true, filters: { label: ['ironcurtain.role=agent-session'] } });

  beforeAll(async () => {
    const reason = await checkEngine(engine, 'this test');
    if (reason !== undefined)
      throw new Error(`a Docker engine is needed (scripts/setup starts one): ${reason}`);
    await ensureStandInNodeImage(engine);
    await ensureAgentImage(engine, 'claude-code');
    folder = await mkdtemp(join(tmpdir(), 'ironcurtain-pty-'));
    ({ upstream: anthropic, environment } = await startFakeUpstream(folder, (request) =>
      scriptedReply(request.body as Record<string, unknown> | undefined),
    ));
    environment['ORCH_AGENT_USER'] = '4321:4321';
    environment['TERM'] = 'xterm-256color';
    await writeFile(
      join(folder, 'tmux.conf'),
      'set -g bell-action any\nset -g remain-on-exit on\nset -g default-terminal xterm-256color\n' +
        `set-hook -g alert-bell "run-shell 'echo rang >> ${join(folder, 'bells')}'"\n`,
    );
    await tmux('new-session', '-d', '-s', 'test', '-x', '140', '-y', '45', '-n', 'idle', 'sleep 3600');
  }, 900_000);
  afterAll(async () => {
    if (folder !== undefined) await tmux('kill-server').catch(() => undefined);
    // A CLI killed with its pane leaves the private stack it started: stop whatever the stack file names.
    const stack = await readStackFile(environment?.['IRONCURTAIN_HOME'] ?? '').catch(() => undefined);
    if (stack !== undefined) await killLeftovers(undefined, pidsOf(stack));
    await anthropic?.close();
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  it('rings on the escalation, is approved from the listener, and Ctrl-\\ ends it leaving nothing', async () => {
    await startPane('agent', ['start', '--pty', '--agent', 'claude-code', 'Push the notes']);
    await waitForScreen('agent', /don.t ask on|ironcurtain: session/, 120_000);
    await eventually('the bell of the escalation', async () => (await bells()) > 0, 180_000);
    expect(await screen('agent')).toContain('Claude Code');

    await startPane('listener', ['escalation-listener']);
    await waitForScreen('listener', /#1 .*git\.git_push/);
    await startPane('second', ['escalation-listener']);
    await waitForScreen('second', /escalation-listener for \S+ is already running \(PID \d+/);

    await tmux('send-keys', '-t', 'listener', '/approve 1', 'Enter');
    await eventually(
      'the approved call to reach the model',
      () => anthropic.requests.some((request) => JSON.stringify(request.body).includes('"tool_result"')),
      60_000,
    );
    await waitForScreen('agent', /The push was answered/);
    const [container] = await agentContainers();
    expect(container?.State).toBe('running');

    // The first listener dies without cleaning up; its lock does not keep the next one out.
    const lock = JSON.parse(
      await readFile(join(environment['IRONCURTAIN_HOME'] ?? '', 'run', 'escalation-listener.lock'), 'utf8'),
    ) as { pid: number };
    process.kill(lock.pid, 'SIGKILL');
    await startPane('third', ['escalation-listener']);
    await waitForScreen('third', /no pending escalations/);

    const paneTty = (await tmux('display-message', '-p', '-t', 'agent', '#{pane_tty}')).trim();
    expect((await run('stty', ['-a', '-F', paneTty])).stdout).toMatch(/(^|\s)-icanon(\s|$)/);
    await tmux('send-keys', '-t', 'agent', 'C-\\');
    await eventually(
      'the CLI to end',
      async () => (await tmux('display-message', '-p', '-t', 'agent', '#{pane_dead}')).trim() === '1',
      60_000,
    );
    expect(await screen('agent')).toMatch(/session \S+ stopped/);
    expect((await run('stty', ['-a', '-F', paneTty]).catch(() => ({ stdout: 'icanon' }))).stdout).not.toMatch(
      /(^|\s)-icanon(\s|$)/,
    );
    await eventually('no agent container left', async () => (await agentContainers()).length === 0, 30_000);
  }, 600_000);
});

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
