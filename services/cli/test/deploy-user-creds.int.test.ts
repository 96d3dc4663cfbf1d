// `ironcurtain --creds FILE` (and IRONCURTAIN_CREDS): the CLI asks as the person whose seed it is given, with the
// name and role of the NAME.json beside it — a responder on a real nats-server, started with the service users and
// the people file, is told that caller — and refuses credentials that are not right before it connects (exit 2).
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '@ironcurtain/bus';
import { EscalationList, type Caller } from '@ironcurtain/proto-schemas';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import {
  logIn,
  makeDeployment,
  testServerConfigOf,
  type Deployment,
  type Login,
} from './deploy-user-fixture.js';

let deployment: Deployment;

beforeAll(async () => {
  deployment = await makeDeployment();
  for (const [name, role] of [
    ['bob', 'approver'],
    ['carol', 'admin'],
  ]) {
    const added = await deployment.run([
      'deploy',
      'user',
      'add',
      name as string,
      '--role',
      role as string,
      '--no-reload',
    ]);
    if (added.code !== 0) throw new Error(added.stderr);
  }
}, 60_000);
afterAll(async () => {
  await rm(deployment.directory, { recursive: true, force: true });
  await rm(deployment.home, { recursive: true, force: true });
});

describe('ironcurtain --creds with a nats-server that knows the person', () => {
  let nats: NatsServerHandle;
  let router: Login;
  const seenByRouter: Caller[] = [];

  beforeAll(async () => {
    nats = await startNats({ config: await testServerConfigOf(deployment), jetstream: false });
    router = await logIn(nats.url, deployment.serviceSeedFile('escalation-router'), 'escalation-router');
    await serve(router.bus, EscalationList, (_request, context) => {
      if (context.caller !== undefined) seenByRouter.push(context.caller);
      return { tickets: [] };
    });
  }, 30_000);
  afterAll(async () => {
    await router?.bus.close();
    await nats?.dispose();
  });

  it('ironcurtain --creds asks as the person, from the option or from IRONCURTAIN_CREDS', async () => {
    const bobSeed = deployment.personSeedFile('bob');
    const byOption = await deployment.run(['--nats', nats.url, '--creds', bobSeed, 'escalations', '--json']);
    expect(byOption.stderr).toBe('');
    expect(JSON.parse(byOption.stdout)).toEqual({ tickets: [] });
    const byEnvironment = await deployment.run(['escalations', '--json'], {
      NATS_URL: nats.url,
      IRONCURTAIN_CREDS: deployment.personSeedFile('carol'),
    });
    expect(byEnvironment.code).toBe(0);
    expect(seenByRouter).toEqual([
      { name: 'bob', role: 'approver' },
      { name: 'carol', role: 'admin' },
    ]);
  });
});

describe('ironcurtain --creds with credentials that are not right', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ironcurtain-people-creds-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const bobFiles = async (seedMode: number, record: string | undefined) => {
    const seed = join(folder, `bob-${seedMode.toString(8)}-${Math.random().toString(36).slice(2)}.nk`);
    await copyFile(deployment.personSeedFile('bob'), seed);
    await chmod(seed, seedMode);
    if (record !== undefined) await writeFile(seed.replace(/\.nk$/, '.json'), record);
    return seed;
  };
  const escalationsWith = (seed: string) =>
    deployment.run(['--nats', 'nats://127.0.0.1:1', '--creds', seed, 'escalations']);

  it('refuses them before connecting (exit 2), saying what is wrong and never the seed', async () => {
    const record = await readFile(deployment.personRecordFile('bob'), 'utf8');
    const cases: Array<[string, RegExp]> = [
      [await bobFiles(0o644, record), /readable by others than its owner \(mode 644\): chmod 600/],
      [await bobFiles(0o600, undefined), /cannot read .*\.json.*keep the NAME\.json/],
      [await bobFiles(0o600, '{"name":"bob"'), /is not JSON/],
      [
        await bobFiles(0o600, '{"name":"bob","role":"root"}'),
        /not a person's record .*check role, publicKey, addedAt/,
      ],
      [
        await bobFiles(0o600, await readFile(deployment.personRecordFile('carol'), 'utf8')),
        /is about the key U[A-Z2-7]{55}, but the seed .* is U[A-Z2-7]{55}/,
      ],
    ];
    const seed = (await readFile(deployment.personSeedFile('bob'), 'utf8')).trim();
    for (const [file, message] of cases) {
      const result = await escalationsWith(file);
      expect({ file, code: result.code }).toEqual({ file, code: 2 });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain(seed);
      expect(result.stderr).not.toContain('cannot connect'); // refused before any connection
    }
  });

  it('needs a server: --creds without --nats or NATS_URL never starts a local stack', async () => {
    const result = await deployment.run(['--creds', deployment.personSeedFile('bob'), 'escalations']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--creds logs in to a team deployment: give its server with --nats/);
  });
});
