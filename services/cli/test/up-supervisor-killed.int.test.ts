// A supervisor killed with SIGKILL gets no chance to clean up: its services must stop on their own (their stdin
// closes), and the next `up` must stop the nats-server it left behind before starting a new one.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@ironcurtain/testing';
import { isProcessAlive } from '../src/domain/stack/process-control.js';
import type { StackState } from '../src/domain/stack/stack-state.js';
import {
  cliEnvironment,
  killLeftovers,
  pidsOf,
  readStackFile,
  startCli,
  type CliProcess,
} from './stack-process.js';

// Orphans are reparented to PID 1, which may never reap them; a zombie has exited, so it counts as gone here.
const isGone = (pid: number): boolean => !isProcessAlive(pid);

describe('ironcurtain up after its supervisor was SIGKILLed', () => {
  let home: string;
  let first: CliProcess | undefined;
  let second: CliProcess | undefined;
  let firstStack: StackState;
  const seenPids = new Set<number>();

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-up-killed-'));
    first = startCli(['up'], cliEnvironment(home));
    await first.waitForOutput(/IronCurtain is up: /);
    const state = await readStackFile(home);
    if (state === undefined) throw new Error('no stack.json while the stack is up');
    firstStack = state;
    for (const pid of pidsOf(firstStack)) seenPids.add(pid);
  }, 60_000);

  afterAll(async () => {
    await killLeftovers(first, seenPids);
    await killLeftovers(second, seenPids);
    await rm(home, { recursive: true, force: true });
  });

  it('leaves no service running once the supervisor is gone', async () => {
    first?.child.kill('SIGKILL');
    await first?.exited;
    const servicePids = Object.values(firstStack.services) as number[];
    expect(servicePids).toHaveLength(7);
    await eventually(
      'every service of the killed supervisor to exit',
      () => servicePids.every(isGone),
      15_000,
    );
    // nats-server does not watch its parent: it is the next `up` that has to deal with it.
    expect(isProcessAlive(firstStack.natsPid as number)).toBe(true);
  });

  it('makes the next up stop the leftover nats-server and start a fresh stack', async () => {
    second = startCli(['up'], cliEnvironment(home));
    await second.waitForOutput(/IronCurtain is up: /);
    expect(second.output()).toContain(
      `stopping nats-server (PID ${firstStack.natsPid}) left over from an earlier run`,
    );
    expect(isGone(firstStack.natsPid as number)).toBe(true);
    const secondStack = await readStackFile(home);
    expect(secondStack?.supervisorPid).toBe(second.child.pid);
    for (const pid of pidsOf(secondStack as StackState)) seenPids.add(pid);

    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
