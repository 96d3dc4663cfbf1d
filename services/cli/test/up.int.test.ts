// `ironcurtain up` with a private nats-server: the real CLI, real services, real nats-server, a temporary home.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, getJson, openKeyValue, pingServices, type Bus } from '@ironcurtain/bus';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { loadPolicyDirectory } from '@ironcurtain/policy-engine';
import { activePolicyKey, connectionNameOf, PolicyBundle, policyBucket } from '@ironcurtain/proto-schemas';
import { eventually } from '@ironcurtain/testing';
import { stackServiceNames } from '../src/domain/stack/stack-services.js';
import type { StackState } from '../src/domain/stack/stack-state.js';
import {
  cliEnvironment,
  isAlive,
  killLeftovers,
  pidsOf,
  readStackFile,
  runCli,
  startCli,
  type CliProcess,
} from './stack-process.js';

describe('ironcurtain up (private nats-server)', () => {
  let home: string;
  let up: CliProcess | undefined;
  let bus: Bus | undefined;
  let stack: StackState;
  const seenPids = new Set<number>();

  const currentStack = async (): Promise<StackState> => {
    const state = await readStackFile(home);
    if (state === undefined) throw new Error('stack.json is gone');
    for (const pid of pidsOf(state)) seenPids.add(pid);
    return state;
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-up-'));
    up = startCli(['up'], cliEnvironment(home));
    await up.waitForOutput(/IronCurtain is up: nats:\/\/127\.0\.0\.1:\d+ \(7 services\)/);
    stack = await currentStack();
    const credentials = stack.cliCredentials;
    if (stack.natsUrl === null || credentials === null) throw new Error('stack.json lacks the NATS login');
    bus = await connectBus({ url: stack.natsUrl, name: connectionNameOf('cli'), ...credentials });
  }, 60_000);

  afterAll(async () => {
    await bus?.close();
    await killLeftovers(up, seenPids);
    await rm(home, { recursive: true, force: true });
  });

  it('prints the ready line with the URL that stack.json records', () => {
    expect(up?.output()).toContain(`IronCurtain is up: ${stack.natsUrl} (7 services)`);
    expect(stack.supervisorPid).toBe(up?.child.pid);
    expect(stack.natsPid).toEqual(expect.any(Number));
    expect(Object.keys(stack.services).sort()).toEqual([...stackServiceNames].sort());
  });

  it('answers $SRV.PING from every one of the seven services, logged in as the cli user', async () => {
    const answers = await pingServices(bus as Bus, undefined, 1000);
    expect(answers.map((answer) => answer.name).sort()).toEqual([...stackServiceNames].sort());
  });

  it('activates the shipped default policy when none is active', async () => {
    const kv = await openKeyValue(bus as Bus, policyBucket);
    const active = await getJson(kv, activePolicyKey, PolicyBundle);
    expect(active?.value.source).toBe(defaultPolicyDir);
    expect(active?.value.policyHash).toBe((await loadPolicyDirectory(defaultPolicyDir)).policyHash);
    expect(up?.output()).toMatch(/activated policy [0-9a-f]{12}… from /);
  });

  it('keeps the passwords in files only their owner can read', async () => {
    expect((await stat(join(home, 'run', 'stack.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, 'run', 'nats-server.conf'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, 'run'))).mode & 0o777).toBe(0o700);
  });

  it('lets no one in with a wrong password', async () => {
    await expect(
      connectBus({
        url: stack.natsUrl as string,
        name: 'intruder',
        user: 'cli',
        password: 'guessed',
        connectTimeoutMs: 2000,
      }),
    ).rejects.toThrow(/cannot connect to NATS/);
  });

  it('refuses to start a second stack on the same home, naming the running supervisor', async () => {
    const second = await runCli(['up'], cliEnvironment(home));
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`IronCurtain is already up (supervisor PID ${up?.child.pid}`);
    expect((await currentStack()).supervisorPid).toBe(up?.child.pid);
  });

  it('restarts a service killed with SIGKILL: a new PID in stack.json and a new $SRV instance', async () => {
    const killedPid = stack.services['audit-writer'] as number;
    const [before] = await pingServices(bus as Bus, 'audit-writer', 500);
    process.kill(killedPid, 'SIGKILL');

    const restartedPid = await eventually('a new audit-writer PID in stack.json', async () => {
      const pid = (await currentStack()).services['audit-writer'];
      return typeof pid === 'number' && pid !== killedPid ? pid : undefined;
    });
    expect(isAlive(restartedPid)).toBe(true);
    const after = await eventually('a PING answer from the restarted audit-writer', async () => {
      const answers = await pingServices(bus as Bus, 'audit-writer', 300);
      return answers.length === 1 && answers[0]?.id !== before?.id ? answers[0] : undefined;
    });
    expect(before?.id).toEqual(expect.any(String));
    expect(after.id).not.toBe(before?.id);
    expect(up?.output()).toContain('audit-writer was killed by SIGKILL; restarting in 500 ms');
    expect(up?.output()).toContain(`restarted audit-writer (PID ${restartedPid})`);
  });

  it('stops everything on SIGTERM and exits 0, leaving no process and no stack.json behind', async () => {
    await currentStack();
    await bus?.close();
    bus = undefined;
    expect(seenPids.size).toBeGreaterThanOrEqual(9); // seven services, a restarted one, nats-server
    up?.child.kill('SIGTERM');
    expect(await up?.exited).toEqual({ code: 0, signal: null });
    for (const pid of seenPids) expect(isAlive(pid), `PID ${pid} is still alive`).toBe(false);
    expect(await readStackFile(home)).toBeUndefined();
    await expect(stat(join(home, 'run', 'nats-server.conf'))).rejects.toThrow(/ENOENT/);
    expect(up?.output()).toContain('IronCurtain stopped');
  });
});
