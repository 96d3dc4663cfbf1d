// What `up` does with the stack.json of an earlier run, against real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearStaleStack } from '../src/domain/stack/stale-stack.js';
import type { StackState } from '../src/domain/stack/stack-state.js';

describe('clearStaleStack', () => {
  let directory: string;
  let stackFile: string;
  const children: ChildProcess[] = [];
  const reported: string[] = [];
  const report = (line: string): void => void reported.push(line);

  const startChild = (command: string, args: string[]): ChildProcess => {
    const child = spawn(command, args, { stdio: 'ignore' });
    children.push(child);
    return child;
  };
  const exitOf = (child: ChildProcess): Promise<unknown> =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => child.once('exit', resolve));
  const deadPid = async (): Promise<number> => {
    const child = startChild(process.execPath, ['-e', '']);
    await exitOf(child);
    return child.pid as number;
  };
  const writeStack = (state: Partial<StackState>): Promise<void> =>
    writeFile(
      stackFile,
      JSON.stringify({
        natsUrl: null,
        natsPid: null,
        cliCredentials: null,
        services: {},
        startedAt: 'then',
        ...state,
      }),
    );

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'ironcurtain-stale-'));
    stackFile = join(directory, 'stack.json');
    reported.length = 0;
  });

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
  });

  it('stops the nats-server of a run whose supervisor is dead, and removes stack.json', async () => {
    const nats = startChild('nats-server', ['-a', '127.0.0.1', '-p', '-1']);
    await new Promise((resolve) => nats.once('spawn', resolve));
    await writeStack({ supervisorPid: await deadPid(), natsPid: nats.pid as number });

    await clearStaleStack(stackFile, report);

    await exitOf(nats);
    expect(nats.signalCode ?? nats.exitCode).not.toBeNull();
    expect(reported.join('\n')).toContain(`stopping nats-server (PID ${nats.pid})`);
    await expect(readFile(stackFile)).rejects.toThrow(/ENOENT/);
  });

  it('leaves alone a live process whose PID was recorded but is not a nats-server (a recycled PID)', async () => {
    const bystander = startChild(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    await new Promise((resolve) => bystander.once('spawn', resolve));
    await writeStack({
      supervisorPid: await deadPid(),
      natsPid: bystander.pid as number,
      services: { 'audit-writer': bystander.pid as number },
    });

    await clearStaleStack(stackFile, report);

    expect(bystander.exitCode).toBeNull();
    expect(bystander.signalCode).toBeNull();
    expect(reported).toEqual([]);
  });

  it('refuses while the recorded supervisor is an ironcurtain up that is still running', async () => {
    const supervisor = startChild(process.execPath, [
      '-e',
      'setInterval(() => {}, 1000)',
      'ironcurtain',
      'up',
    ]);
    await new Promise((resolve) => supervisor.once('spawn', resolve));
    await writeStack({ supervisorPid: supervisor.pid as number });

    await expect(clearStaleStack(stackFile, report)).rejects.toThrow(
      `IronCurtain is already up (supervisor PID ${supervisor.pid}`,
    );
    expect(JSON.parse(await readFile(stackFile, 'utf8'))).toMatchObject({ supervisorPid: supervisor.pid });
  });

  it('removes a stack.json that is not one', async () => {
    await writeFile(stackFile, '{ half written');
    await clearStaleStack(stackFile, report);
    await expect(readFile(stackFile)).rejects.toThrow(/ENOENT/);
    expect(reported[0]).toContain('not a stack file');
  });
});
