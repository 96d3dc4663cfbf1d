// The Claude Code adapter's interactive command in a real pseudo-terminal (tmux), with the state files it seeds: the
// first start of the TUI shows the prompt input, not the onboarding, theme, API key or workspace trust dialogs; a
// task given at start is submitted without anyone pressing a key; a task typed at the prompt runs to its end through
// the MCP tools with no permission prompt.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { eventually, fakeRequestText } from '@ironcurtain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startClaudeCodeHostStand,
  storyNote,
  storyTask,
  type ClaudeCodeHostStand,
  type HostContainer,
} from './fixtures/claude-code/host-stand.js';

const runFile = promisify(execFile);

/** A tmux server of the test's own (its own socket), so nothing of the user's tmux is touched. */
function tmux(socket: string, args: string[], env?: Record<string, string>) {
  return runFile('tmux', ['-S', socket, ...args], env === undefined ? {} : { env });
}

/** Starts `container`'s interactive command in a 120×40 terminal; returns the screen reader and the keyboard. */
async function startTui(container: HostContainer, task: string | undefined) {
  const socket = join(container.workspace, '..', 'tmux.sock');
  const argv = container.hostCommand(container.adapter.interactiveCommand(task, container.facts));
  // The server takes its environment from the command that starts it: the agent's, as the container host sets it.
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    TERM: 'xterm-256color',
    ...container.environment,
  };
  const size = ['-x', '120', '-y', '40'];
  await tmux(socket, ['new-session', '-d', '-s', 'agent', ...size, '-c', container.workspace, ...argv], env);
  return {
    async screen(): Promise<string> {
      const { stdout } = await tmux(socket, ['capture-pane', '-p', '-t', 'agent']);
      // The input box puts a no-break space after its ❯; the transcript a plain one.
      return stdout.replaceAll('\u00a0', ' ');
    },
    type: (text: string) => tmux(socket, ['send-keys', '-t', 'agent', '-l', text]),
    pressEnter: () => tmux(socket, ['send-keys', '-t', 'agent', 'Enter']),
    /** Quits as a person does (Ctrl-C twice), so Claude Code stops its MCP server and writes its state first. */
    async stop(): Promise<void> {
      const isRunning = () =>
        tmux(socket, ['has-session', '-t', 'agent']).then(
          () => true,
          () => false,
        );
      for (const _ of [1, 2]) await tmux(socket, ['send-keys', '-t', 'agent', 'C-c']).catch(() => undefined);
      await eventually('the TUI to exit', async () => !(await isRunning())).catch(() =>
        tmux(socket, ['kill-server']).catch(() => undefined),
      );
    },
  };
}

type Tui = Awaited<ReturnType<typeof startTui>>;

/** The empty prompt input, as Claude Code draws it between two rules. */
const promptInput = /^❯\s*$/m;
/** First-run dialogs the seeded state must keep away. */
const dialogs = /trust|Do you want to use this API key|text style|theme|Make auto mode|Welcome/i;

function screenShowing(tui: Tui, what: string, test: (screen: string) => boolean): Promise<string> {
  return eventually(
    what,
    async () => {
      const screen = await tui.screen();
      return test(screen) && screen;
    },
    20_000,
  );
}

describe('Claude Code in a terminal with the seeded state', () => {
  let stand: ClaudeCodeHostStand;
  const stops: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    stand = await startClaudeCodeHostStand('sess-claude-tui');
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    await stand?.close();
  });

  it('opens on the prompt input, in dontAsk mode, and no dialog comes up over it', async () => {
    const tui = await startTui(await stand.prepareContainer('idle'), undefined);
    stops.push(tui.stop);
    await screenShowing(tui, 'the prompt input', (text) => promptInput.test(text));
    // Some dialogs come a few seconds after the input is drawn (auto mode's offer took 1 to 3 s): watch for a while.
    const screens: string[] = [];
    for (const _ of Array.from({ length: 20 })) {
      screens.push(await tui.screen());
      await sleep(300);
    }
    for (const screen of screens) {
      expect(screen).toMatch(promptInput);
      expect(screen).not.toMatch(dialogs);
    }
    expect(screens.at(-1)).toContain("don't ask on");
    expect(screens.at(-1)).toContain('Claude Code v2.1.331');
  });

  it('submits a task given at start as the first prompt, with nothing in its way', async () => {
    const tui = await startTui(await stand.prepareContainer('start-task'), storyTask);
    stops.push(tui.stop);
    await eventually('the task to reach the model', () =>
      stand.fake.requests.some((request) => fakeRequestText(request).includes(storyTask)),
    );
    const screen = await tui.screen();
    expect(screen).toContain(`❯ ${storyTask}`);
    expect(screen).not.toMatch(dialogs);
    // Which tools that first request carries is a race in Claude Code 2.1.331: its TUI sends a start-up prompt
    // without waiting for MCP servers to connect (seen: the request 100 ms before the server's tools were listed).
  });

  it('runs a task typed at the prompt to its end through the MCP tools, with no permission prompt', async () => {
    const container = await stand.prepareContainer('typed-task');
    const tui = await startTui(container, undefined);
    stops.push(tui.stop);
    await screenShowing(tui, 'the prompt input', (text) => promptInput.test(text));
    await eventually('the MCP client to list the tools', () => container.hasListedTools());
    await tui.type(storyTask);
    // Enter only once the text is in the input box, so it is not taken as part of a paste.
    await screenShowing(tui, 'the typed task', (text) => text.includes(`❯ ${storyTask}`));
    await tui.pressEnter();
    const screen = await screenShowing(
      tui,
      'the final answer and the prompt input',
      (text) => text.includes('the push was refused: DENIED:') && promptInput.test(text),
    );
    expect(screen).not.toMatch(dialogs);
    expect(await container.toolCalls()).toEqual([
      { name: 'filesystem__write_file', input: storyNote },
      { name: 'git__git_push', input: { repo_path: '/workspace' } },
    ]);
  });
});
