// Real pseudo-terminals for CLI tests: a private tmux server (its socket in the test's folder, no user config), a
// window per command, its screen as a person sees it, key presses, and the command's exit status as its shell
// wrapper records it (128 + n for a signal n).
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from '@ironcurtain/testing';
import { cliEntry } from './stack-process.js';

const run = promisify(execFile);

export interface TmuxTerminal {
  tmux(...args: string[]): Promise<string>;
  screen(pane: string): Promise<string>;
  waitFor(pane: string, pattern: RegExp): Promise<unknown>;
  /** Waits for the question, then presses the keys (tmux key names: Down, Enter, C-c; anything else is typed). */
  answer(pane: string, question: RegExp, ...keys: string[]): Promise<void>;
  exitStatus(pane: string): Promise<number>;
  /** Runs `ironcurtain <args>` in a new window with exactly `environment`; returns the pane's target. */
  startCliPane(name: string, environment: Record<string, string>, args: string[]): Promise<string>;
  /** Starts the tmux server with an idle first window; windows stay after their command ends. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function tmuxTerminal(folder: () => string): TmuxTerminal {
  const tmux = async (...args: string[]) =>
    (await run('tmux', ['-S', join(folder(), 'tmux.sock'), '-f', '/dev/null', ...args])).stdout;
  const screen = (pane: string) => tmux('capture-pane', '-p', '-J', '-S', '-300', '-t', pane);
  const waitFor = (pane: string, pattern: RegExp) =>
    eventually(`${pane} to show ${pattern}`, async () => pattern.test(await screen(pane)), 30_000).catch(
      async (error: Error) => {
        throw new Error(`${error.message}\n--- ${pane} ---\n${await screen(pane).catch(() => '')}`, {
          cause: error,
        });
      },
    );
  return {
    tmux,
    screen,
    waitFor,
    async answer(pane, question, ...keys) {
      await waitFor(pane, question);
      for (const key of keys)
        await tmux('send-keys', '-t', pane, ...(/^[A-Z][a-zA-Z-]*$|^C-/.test(key) ? [key] : ['-l', key]));
    },
    async exitStatus(pane) {
      const file = join(folder(), `${pane.replace('test:', '')}.status`);
      const status = await eventually(
        `${pane} to end`,
        async () => (await readFile(file, 'utf8').catch(() => '')).trim() || undefined,
        30_000,
      );
      return Number(status);
    },
    async startCliPane(name, environment, args) {
      const exports = Object.entries(environment).map(([key, value]) => `export ${key}=${shellQuote(value)}`);
      const script = join(folder(), `${name}.sh`);
      await writeFile(
        script,
        `${exports.join('\n')}\n${[process.execPath, cliEntry, ...args].map(shellQuote).join(' ')}\n` +
          `echo $? > ${shellQuote(join(folder(), `${name}.status`))}\n`,
      );
      await tmux('new-window', '-d', '-n', name, `bash ${shellQuote(script)}`);
      return `test:${name}`;
    },
    async start() {
      await tmux('new-session', '-d', '-s', 'test', '-x', '130', '-y', '50', '-n', 'idle', 'sleep 3600');
      await tmux('set-option', '-g', 'remain-on-exit', 'on');
    },
    stop: async () => void (await tmux('kill-server').catch(() => undefined)),
  };
}

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
