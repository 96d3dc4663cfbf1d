// The single-instance lock against real processes: a living holder refuses the next one by PID, a SIGKILLed holder's
// lock is taken over, a reused PID is told apart by its start time, and of many processes racing for a stale lock
// exactly one wins. Holders are test/fixtures/lock-holder.mjs on the built module (`npx tsc -b`).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '@ironcurtain/testing';
import {
  acquireSingleInstanceLock,
  processStartTime,
} from '../src/domain/escalations/single-instance-lock.js';

const holderScript = join(import.meta.dirname, 'fixtures', 'lock-holder.mjs');
let folder: string;
let lockFile: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'ironcurtain-lock-'));
  lockFile = join(folder, 'run', 'escalation-listener.lock');
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await rm(folder, { recursive: true, force: true });
});

/** A holder process and what it said so far. */
interface Holder {
  child: ChildProcess;
  /** The line after `ready` (when it waited): `locked PID` or `refused: …`. */
  answer(): Promise<string>;
}

function spawnHolder(waitsForGo: boolean): Holder {
  const extra = waitsForGo ? ['--on-go'] : [];
  const child = spawn(process.execPath, [holderScript, lockFile, ...extra], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const lines = () => output.split('\n').filter((line) => line !== '' && line !== 'ready');
  return { child, answer: () => eventually('the holder to answer', () => lines()[0], 10_000) };
}

/** Starts a holder and resolves with its answer (`locked PID` or `refused: …`). */
async function startHolder(): Promise<{ child: ChildProcess; line: string }> {
  const holder = spawnHolder(false);
  return { child: holder.child, line: await holder.answer() };
}

/** A PID that named a process which has exited since (and was reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

const acquire = () =>
  acquireSingleInstanceLock({ file: lockFile, pid: process.pid, holderName: 'a test holder' });

describe('single-instance lock', () => {
  it('refuses while the holder lives, naming its PID, and takes over once it is SIGKILLed', async () => {
    const holder = await startHolder();
    expect(holder.line).toBe(`locked ${holder.child.pid}`);
    const record = JSON.parse(await readFile(lockFile, 'utf8')) as { pid: number; startTime: string };
    expect(record).toMatchObject({ pid: holder.child.pid, startTime: processStartTime(holder.child.pid!) });
    await expect(acquire()).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(`a test holder is already running (PID ${holder.child.pid}, since `),
    });
    expect((await startHolder()).line).toMatch(new RegExp(`^refused: .*PID ${holder.child.pid}\\b`));

    holder.child.kill('SIGKILL');
    await new Promise((resolve) => holder.child.once('exit', resolve));
    const lock = await acquire();
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    await expect(readFile(lockFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes over a lock whose PID now names a process that started at another time', async () => {
    const reused = { pid: process.pid, startTime: '1', bootId: null, acquiredAt: 'long ago', nonce: 'n' };
    await acquire().then((lock) => lock.release());
    // Our own PID is alive, but it is not the process that wrote this record.
    const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    await writeFile(lockFile, JSON.stringify({ ...reused, bootId }));
    const lock = await acquire();
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({
      pid: process.pid,
      startTime: processStartTime(process.pid),
    });
    await lock.release();
  });

  it('takes over an empty lock file (its writer died before writing) after a short grace', async () => {
    await acquire().then((lock) => lock.release());
    await writeFile(lockFile, '');
    const started = Date.now();
    const lock = await acquire();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await lock.release();
  });

  it('never removes a lock that another process took over', async () => {
    const stale = await acquireSingleInstanceLock({ file: lockFile, pid: await deadPid(), holderName: 'x' });
    const current = await acquire();
    await stale.release();
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    await current.release();
    await expect(readFile(lockFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gives a stale lock to exactly one of eight processes racing for it', async () => {
    await acquireSingleInstanceLock({ file: lockFile, pid: await deadPid(), holderName: 'x' });
    // All started first and then let go together, so that they judge the stale lock at the same moment.
    const started = Array.from({ length: 8 }, () => spawnHolder(true));
    let said = '';
    for (const holder of started)
      holder.child.stdout?.on('data', (chunk: Buffer) => (said += chunk.toString()));
    await eventually('every holder to be ready', () => (said.match(/ready/g) ?? []).length === 8, 10_000);
    for (const holder of started) holder.child.stdin?.write('go\n');
    const holders = await Promise.all(
      started.map(async (holder) => ({ child: holder.child, line: await holder.answer() })),
    );
    const winners = holders.filter((holder) => holder.line.startsWith('locked'));
    expect(winners).toHaveLength(1);
    const winnerPid = winners[0]!.child.pid;
    for (const loser of holders.filter((holder) => holder !== winners[0])) {
      expect(loser.line).toMatch(
        new RegExp(`^refused: a test holder is already running \\(PID ${winnerPid},`),
      );
    }
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid: winnerPid });
  });
});
