// Helpers for tests that run the real `ironcurtain` command as a child process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '@ironcurtain/testing';
import { commandLineOf } from '../src/domain/stack/process-control.js';
import type { StackState } from '../src/domain/stack/stack-state.js';

/** The `ironcurtain` command as npm links it. */
export const cliEntry = fileURLToPath(new URL('../bin/ironcurtain.js', import.meta.url));
export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A running `ironcurtain …` with its output collected. */
export interface CliProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Every byte the process wrote to stdout, as written (for a terminal emulator). */
  outputBytes(): Uint8Array;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node bin/ironcurtain.js <args>` with exactly `env` (plus nothing inherited). */
export function startCli(args: readonly string[], env: Record<string, string>): CliProcess {
  return collectOutput(
    spawn(process.execPath, [cliEntry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
}

/** A CLI in a pseudo-terminal: what {@link startCli} gives, plus typing a line and waiting for repeated output. */
export interface TerminalCliProcess extends CliProcess {
  /** Types `line` and Enter. */
  type(line: string): void;
  /** Waits until `pattern` has matched the output `count` times. */
  waitForCount(pattern: RegExp, count: number, timeoutMs?: number): Promise<void>;
}

/**
 * Starts `ironcurtain <args>` in a pseudo-terminal (util-linux `script`), as a person at a terminal runs it. The
 * arguments go through `script`'s shell, JSON-quoted: keep them free of `$` and backquotes.
 */
export function startCliInTerminal(args: readonly string[], env: Record<string, string>): TerminalCliProcess {
  const command = [process.execPath, cliEntry, ...args].map((word) => JSON.stringify(word)).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const cli = collectOutput(child);
  return {
    ...cli,
    type: (line) => void child.stdin.write(`${line}\n`),
    waitForCount: async (pattern, count, timeoutMs = 90_000) => {
      const every = new RegExp(
        pattern.source,
        pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
      );
      await eventually(
        `${String(pattern)} ×${count}`,
        () => (cli.output().match(every) ?? []).length >= count,
        timeoutMs,
      );
    },
  };
}

function collectOutput(child: ChildProcess): CliProcess {
  let text = '';
  const stdoutBytes: Buffer[] = [];
  // A decoder per stream, so a character split between two chunks is not garbled.
  const stdoutText = new StringDecoder('utf8');
  const stderrText = new StringDecoder('utf8');
  child.stdout?.on('data', (chunk: Buffer) => {
    stdoutBytes.push(chunk);
    text += stdoutText.write(chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => (text += stderrText.write(chunk)));
  // 'close', not 'exit': once it fires, the pipes are drained and output() holds everything the process wrote.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => text,
    outputBytes: () => new Uint8Array(Buffer.concat(stdoutBytes)),
    waitForOutput: (pattern, timeoutMs = 30_000) =>
      eventually(
        `output matching ${pattern} (so far: ${text})`,
        () => pattern.exec(text) ?? undefined,
        timeoutMs,
      ),
    exited,
  };
}

/** Runs `ironcurtain <args>` to completion. */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliEntry, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({
        code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
        stdout,
        stderr,
      });
    });
  });
}

/** The stack.json under `home`, or undefined while there is none. */
export async function readStackFile(home: string): Promise<StackState | undefined> {
  try {
    return JSON.parse(await readFile(join(home, 'run', 'stack.json'), 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

/**
 * The login `ironcurtain up` made for `user` (a service, or `cli`) on the private nats-server under `home`, read
 * from its config file: what a test needs to act as that principal, with exactly its derived permissions.
 */
export async function stackLoginOf(home: string, user: string): Promise<{ user: string; password: string }> {
  const config = await readFile(join(home, 'run', 'nats-server.conf'), 'utf8');
  const password = new RegExp(`user: "${user}", password: "([^"]+)"`).exec(config)?.[1];
  if (password === undefined) throw new Error(`no login for ${user} in ${home}/run/nats-server.conf`);
  return { user, password };
}

/** Every PID stack.json names (services and nats-server). */
export function pidsOf(state: StackState): number[] {
  const services = Object.values(state.services).filter((pid): pid is number => pid !== null);
  return state.natsPid === null ? services : [...services, state.natsPid];
}

/** `process.kill(pid, 0)`: does the PID name a process? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` names a process that still runs (a zombie waiting for its parent to reap it does not count). */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** Every process under `pid` (its children, theirs, …) as /proc shows them now. */
export async function descendantsOf(pid: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so read after the last `)`.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length > 0;) {
    const next = children.get(queue.shift() as number) ?? [];
    found.push(...next);
    queue = [...queue, ...next];
  }
  return found;
}

/**
 * Last-resort cleanup after a failed test: SIGKILLs the CLI and every PID it reported that still runs one of ours
 * (a service entry or nats-server), so a failure never leaves processes behind.
 */
export async function killLeftovers(cli: CliProcess | undefined, pids: Iterable<number>): Promise<void> {
  cli?.child.kill('SIGKILL');
  for (const pid of pids) {
    const commandLine = (await commandLineOf(pid))?.join(' ') ?? '';
    if (/nats-server|\/dist\/index\.js/.test(commandLine)) process.kill(pid, 'SIGKILL');
  }
}

/** Environment for a CLI child: only what it needs, so the developer's own settings cannot leak into a test. */
export function cliEnvironment(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: home,
    IRONCURTAIN_HOME: home,
    LOG_LEVEL: 'info',
    // Tests that run `start` in a pseudo-terminal with no config.json answer no setup wizard.
    IRONCURTAIN_SKIP_SETUP: '1',
    ...extra,
  };
}
