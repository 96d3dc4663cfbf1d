// `ironcurtain deploy user add|list|revoke`: the real command writes the people of a deployment that the real
// `deploy init` made; a real nats-server started with the service users and the people file holds each person to
// their own subject suffix; `revoke` plus a reload (SIGHUP to the test's nats-server, as `--nats-pid` sends it) ends
// the revoked person's connection while the others keep working. `--creds` is deploy-user-creds.int.test.ts.
import { spawn } from 'node:child_process';
import { chmod, copyFile, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromSeed } from '@nats-io/nkeys';
import { connectBus, openKeyValue, putJson, request, serve } from '@ironcurtain/bus';
import { policyBucket, SessionList, type Caller } from '@ironcurtain/proto-schemas';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
import {
  checkShippedNatsConfig,
  logIn,
  logInAsPerson,
  makeDeployment,
  runAs,
  testServerConfigOf,
  type Deployment,
  type Login,
} from './deploy-user-fixture.js';

let deployment: Deployment;
let emptyPeopleFile: { text: string; mode: number };
const added: Record<string, { code: number; stdout: string; stderr: string }> = {};

const publicKeyOfSeedFile = async (file: string) =>
  fromSeed(new TextEncoder().encode((await readFile(file, 'utf8')).trim())).getPublicKey();

beforeAll(async () => {
  deployment = await makeDeployment();
  const info = await stat(deployment.peopleFile);
  emptyPeopleFile = { text: await readFile(deployment.peopleFile, 'utf8'), mode: info.mode & 0o777 };
  added['alice'] = await deployment.run(['deploy', 'user', 'add', 'alice', '--no-reload']);
  added['bob'] = await deployment.run(['deploy', 'user', 'add', 'bob', '--role', 'approver', '--no-reload']);
  added['carol'] = await deployment.run(['deploy', 'user', 'add', 'carol', '--role=admin', '--no-reload']);
}, 60_000);
afterAll(async () => {
  await rm(deployment.directory, { recursive: true, force: true });
  await rm(deployment.home, { recursive: true, force: true });
});

describe('ironcurtain deploy user add and list', () => {
  it('deploy init writes an empty people file (0644) that the shipped nats config includes', async () => {
    expect(emptyPeopleFile.mode).toBe(0o644);
    expect(emptyPeopleFile.text).toMatch(/No people yet/);
    expect(emptyPeopleFile.text.split('\n').every((line) => line === '' || line.startsWith('#'))).toBe(true);
  });

  it('writes each seed 0600 and its record beside it in a 0700 folder, owned like the service seeds', async () => {
    for (const [name, role] of [
      ['alice', 'member'],
      ['bob', 'approver'],
      ['carol', 'admin'],
    ] as const) {
      expect(added[name]?.stderr).toBe('');
      expect(added[name]?.code).toBe(0);
      const seedFile = deployment.personSeedFile(name);
      const seed = (await readFile(seedFile, 'utf8')).trim();
      expect(seed).toMatch(/^SU[A-Z2-7]{56}$/);
      expect(added[name]?.stdout).not.toContain(seed);
      expect(added[name]?.stdout).toContain(`.deploy/people/${name}.nk`);
      const seedInfo = await stat(seedFile);
      expect({ mode: seedInfo.mode & 0o777, uid: seedInfo.uid, gid: seedInfo.gid }).toEqual({
        mode: 0o600,
        ...runAs,
      });
      const record = JSON.parse(await readFile(deployment.personRecordFile(name), 'utf8')) as Record<
        string,
        unknown
      >;
      expect(record).toEqual({
        name,
        role,
        publicKey: await publicKeyOfSeedFile(seedFile),
        addedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    }
    const folder = await stat(join(deployment.directory, '.deploy', 'people'));
    expect({ mode: folder.mode & 0o777, uid: folder.uid }).toEqual({ mode: 0o700, uid: runAs.uid });
    expect((await readdir(join(deployment.directory, '.deploy', 'people'))).sort()).toEqual([
      'alice.json',
      'alice.nk',
      'bob.json',
      'bob.nk',
      'carol.json',
      'carol.nk',
    ]);
  });

  it('writes the people file (0644) with every service user and every person, public keys only', async () => {
    const text = await readFile(deployment.peopleFile, 'utf8');
    expect((await stat(deployment.peopleFile)).mode & 0o777).toBe(0o644);
    for (const name of ['alice', 'bob', 'carol']) {
      expect(text).toContain(`"${await publicKeyOfSeedFile(deployment.personSeedFile(name))}"`);
      expect(text).not.toContain((await readFile(deployment.personSeedFile(name), 'utf8')).trim());
    }
    expect(text).toContain('"session.list.v1.p.member.alice"');
    expect(text).toContain('"session.list.v1.p.approver.bob"');
    const personLines = text
      .split('\n')
      .filter((_line, index, lines) => lines[index - 1]?.includes('# person '));
    expect(personLines).toHaveLength(3);
    for (const line of personLines)
      expect(line).not.toMatch(/\.p\.\*|"[*>]"|_INBOX\.>|\$SRV|allow_responses/);
    const services = await readFile(join(deployment.directory, '.deploy', 'nats-server.conf'), 'utf8');
    for (const key of services.match(/U[A-Z2-7]{55}/g) ?? []) expect(text).toContain(key);
    const shipped = await checkShippedNatsConfig(deployment);
    expect(shipped.output).toContain('is valid');
    expect(shipped.code).toBe(0);
  });

  it('refuses an existing name unless --rotate, a bad name or a reserved one, and a bad role, changing nothing', async () => {
    const before = await readFile(deployment.peopleFile, 'utf8');
    const again = await deployment.run(['deploy', 'user', 'add', 'alice', '--no-reload']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/alice is already a person .*--rotate/);
    for (const name of ['Alice', 'cli', 'signal-bridge', 'a.b', 'x_y', '9lives', 'al\u202eice']) {
      const refused = await deployment.run(['deploy', 'user', 'add', name, '--no-reload']);
      expect({ name, code: refused.code }).toEqual({ name, code: 2 });
    }
    const badRole = await deployment.run(['deploy', 'user', 'add', 'dave', '--role', 'root', '--no-reload']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/--role is one of member, approver, admin/);
    expect(await readFile(deployment.peopleFile, 'utf8')).toBe(before);
    await expect(stat(deployment.personSeedFile('dave'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('lists name, role, key fingerprint and when, never a seed; --json gives the records', async () => {
    const listed = await deployment.run(['deploy', 'user', 'list']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ROLE\s+KEY\s+ADDED$/);
    const aliceKey = await publicKeyOfSeedFile(deployment.personSeedFile('alice'));
    expect(lines[1]).toMatch(
      new RegExp(
        `^alice\\s+member\\s+${aliceKey.slice(0, 8)}…${aliceKey.slice(-4)}\\s+\\d{4}-\\d\\d-\\d\\dT`,
      ),
    );
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'alice member',
      'bob approver',
      'carol admin',
    ]);
    expect(listed.stdout).not.toMatch(/SU[A-Z2-7]{20}/);
    const json = await deployment.run(['deploy', 'user', 'list', '--json']);
    const { people } = JSON.parse(json.stdout) as { people: Array<{ name: string; publicKey: string }> };
    expect(people.map((person) => person.name)).toEqual(['alice', 'bob', 'carol']);
    expect(people[0]?.publicKey).toBe(aliceKey);
  });
});

describe('a nats-server with the service users and the people file', () => {
  let nats: NatsServerHandle;
  const logins: Login[] = [];
  const seenBySessions: Caller[] = [];
  let alice: Login;
  let bob: Login;
  const keep = async (login: Promise<Login>) => {
    const done = await login;
    logins.push(done);
    return done;
  };

  beforeAll(async () => {
    nats = await startNats({ config: await testServerConfigOf(deployment), jetstream: false });
    const orchestrator = await keep(
      logIn(nats.url, deployment.serviceSeedFile('session-orchestrator'), 'session-orchestrator'),
    );
    await serve(orchestrator.bus, SessionList, (_request, context) => {
      if (context.caller !== undefined) seenBySessions.push(context.caller);
      return { sessions: [] };
    });
    alice = await keep(logInAsPerson(nats.url, deployment, { name: 'alice', role: 'member' }));
    bob = await keep(logInAsPerson(nats.url, deployment, { name: 'bob', role: 'approver' }));
  }, 30_000);
  afterAll(async () => {
    await Promise.all(logins.map((login) => login.bus.close()));
    await nats?.dispose();
  });

  it('answers a person on their own subject, and the responder is told who asks', async () => {
    expect(await request(alice.bus, SessionList, {})).toEqual({ sessions: [] });
    expect(await request(bob.bus, SessionList, {})).toEqual({ sessions: [] });
    expect(seenBySessions).toEqual([
      { name: 'alice', role: 'member' },
      { name: 'bob', role: 'approver' },
    ]);
  });

  it("refuses alice's requests in bob's name or in a role she does not have; the responder never sees them", async () => {
    seenBySessions.length = 0;
    for (const subject of ['session.list.v1.p.member.bob', 'session.list.v1.p.admin.alice']) {
      await expect(alice.bus.connection.request(subject, '{}', { timeout: 1500 })).rejects.toBeDefined();
      await eventually(`the violation for ${subject}`, () =>
        alice.violations.some((violation) => violation.includes(`Publish to "${subject}"`)),
      );
    }
    // The same through libs/bus, with her seed but claiming to be bob.
    const impostor = await keep(
      logIn(nats.url, deployment.personSeedFile('alice'), 'ironcurtain-alice', {
        name: 'bob',
        role: 'member',
      }),
    );
    await expect(request(impostor.bus, SessionList, {}, { timeoutMs: 1500 })).rejects.toBeDefined();
    // Her own request after them arrives, and it is the only one the responder saw.
    expect(await request(alice.bus, SessionList, {})).toEqual({ sessions: [] });
    expect(seenBySessions).toEqual([{ name: 'alice', role: 'member' }]);
  });

  it("keeps a person out of others' inboxes, the services' subjects and the KV buckets; an admin writes the policy", async () => {
    for (const subject of ['_INBOX.ironcurtain-bob.>', '_INBOX.ironcurtain-cli.>', 'session.list.v1.p.*.*']) {
      alice.bus.connection.subscribe(subject);
      await eventually(`the refused subscription to ${subject}`, () =>
        alice.violations.some((violation) => violation.includes(`Subscription to "${subject}"`)),
      );
    }
    for (const subject of [`$KV.${policyBucket}.active`, 'pdp.toolcall.v1', '$SRV.PING']) {
      alice.bus.connection.publish(subject, '{}');
      await eventually(`the refused publish to ${subject}`, () =>
        alice.violations.some((violation) => violation.includes(`Publish to "${subject}"`)),
      );
    }
    const carol = await keep(logInAsPerson(nats.url, deployment, { name: 'carol', role: 'admin' }));
    const policy = await openKeyValue(carol.bus, policyBucket);
    expect(await putJson(policy, 'people-test', { from: 'carol' })).toBeGreaterThan(0);
    expect(carol.violations).toEqual([]);
  });

  it("revoke with a reload ends alice's connection and her next request fails, while bob keeps working", async () => {
    const aliceSeedCopy = join(deployment.home, 'alice-kept.nk');
    await copyFile(deployment.personSeedFile('alice'), aliceSeedCopy);
    await chmod(aliceSeedCopy, 0o600);
    const revoked = await deployment.run([
      'deploy',
      'user',
      'revoke',
      'alice',
      '--nats-pid',
      String(nats.pid),
    ]);
    expect(revoked.stderr).toBe('');
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/revoked alice \(member\)/);
    expect(revoked.stdout).toContain(`reloaded nats-server: sent SIGHUP to PID ${nats.pid}`);

    await eventually(
      'alice to be disconnected',
      () => alice.disconnects > 0 || alice.bus.connection.isClosed(),
    );
    await expect(request(alice.bus, SessionList, {}, { timeoutMs: 1500 })).rejects.toBeDefined();
    await expect(
      connectBus({
        url: nats.url,
        name: 'ironcurtain-alice',
        nkeySeedFile: aliceSeedCopy,
        connectTimeoutMs: 3000,
      }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(await request(bob.bus, SessionList, {})).toEqual({ sessions: [] });
    expect(bob.disconnects).toBe(0);

    await expect(stat(deployment.personSeedFile('alice'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(deployment.personRecordFile('alice'))).rejects.toMatchObject({ code: 'ENOENT' });
    const listed = await deployment.run(['deploy', 'user', 'list', '--json']);
    expect((JSON.parse(listed.stdout) as { people: { name: string }[] }).people.map((p) => p.name)).toEqual([
      'bob',
      'carol',
    ]);
    const unknown = await deployment.run(['deploy', 'user', 'revoke', 'alice', '--no-reload']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/alice is not a person of this deployment/);
  }, 30_000);

  it('refuses to signal a PID that is not nats-server', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const result = await deployment.run([
        'deploy',
        'user',
        'add',
        'erin',
        '--nats-pid',
        String(sleeper.pid),
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /the files are written, but nats-server was not reloaded: process \d+ is "sleep", not nats-server/,
      );
      expect(sleeper.exitCode).toBeNull();
      expect(sleeper.signalCode).toBeNull();
    } finally {
      sleeper.kill();
    }
  });
});
