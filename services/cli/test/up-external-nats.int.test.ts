// `ironcurtain up` with NATS_URL: the stack runs on a server it did not start, and leaves that server running.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, pingServices } from '@ironcurtain/bus';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { stackServiceNames } from '../src/domain/stack/stack-services.js';
import {
  cliEnvironment,
  isAlive,
  killLeftovers,
  pidsOf,
  readStackFile,
  startCli,
  type CliProcess,
} from './stack-process.js';

describe('ironcurtain up with NATS_URL', () => {
  let home: string;
  let nats: NatsServerHandle;
  let up: CliProcess | undefined;
  const seenPids = new Set<number>();

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-up-external-'));
    nats = await startNats();
  });

  afterAll(async () => {
    await killLeftovers(up, seenPids);
    await nats.dispose();
    await rm(home, { recursive: true, force: true });
  });

  it('starts no nats-server, runs the services on the given server and stops only what it started', async () => {
    up = startCli(['up'], cliEnvironment(home, { NATS_URL: nats.url }));
    await up.waitForOutput(/IronCurtain is up: /);
    expect(up.output()).toContain(`IronCurtain is up: ${nats.url} (7 services)`);
    expect(up.output()).not.toContain('nats-server');

    const stack = await readStackFile(home);
    if (stack === undefined) throw new Error('no stack.json while the stack is up');
    expect(stack).toMatchObject({ natsUrl: nats.url, natsPid: null, cliCredentials: null });
    for (const pid of pidsOf(stack)) seenPids.add(pid);
    expect(seenPids.size).toBe(7);

    const bus = await connectBus({ url: nats.url, name: 'external-test' });
    try {
      const answers = await pingServices(bus, undefined, 1000);
      expect(answers.map((answer) => answer.name).sort()).toEqual([...stackServiceNames].sort());
    } finally {
      await bus.close();
    }

    up.child.kill('SIGTERM');
    expect(await up.exited).toEqual({ code: 0, signal: null });
    for (const pid of seenPids) expect(isAlive(pid), `PID ${pid} is still alive`).toBe(false);
    expect(isAlive(nats.pid as number)).toBe(true);
  }, 60_000);
});
