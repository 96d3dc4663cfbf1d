// A team deployment end to end (issue 19): the files the real `ironcurtain deploy init` and `deploy user add`
// write, a real nats-server holding every service and person to the permissions derived from the access
// declaration, and the real services as processes, each logged in with its own seed. alice and bob are members,
// carol an approver. alice cannot list, send to, stop or read the audit of bob's session (each FORBIDDEN, each
// attempt in the trail); alice cannot answer bob's escalation, carol can and is the approver the PDP is told; and
// `deploy user revoke alice` cuts her off at once while bob keeps working.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pingServices, request, requestUntilSettled, type Bus } from '@ironcurtain/bus';
import {
  AuditQuery,
  EscalationList,
  EscalationOpen,
  EscalationResolve,
  SessionBudget,
  SessionList,
  SessionSend,
  SessionStart,
  SessionStop,
} from '@ironcurtain/proto-schemas';
import { eventually, startNats, stopProcess, type NatsServerHandle } from '@ironcurtain/testing';
import {
  logIn,
  logInAsPerson,
  makeDeployment,
  testServerConfigOf,
  type Deployment,
  type Login,
} from '../../services/cli/test/deploy-user-fixture.js';

// The PDP before the gateway (the gateway reads its public key); a session's start asks the gateway's catalog.
const services = [
  'audit-writer',
  'escalation-router',
  'policy-decision-point',
  'mcp-gateway',
  'session-orchestrator',
] as const;
const entryOf = (service: string) =>
  fileURLToPath(new URL(`../../services/${service}/dist/index.js`, import.meta.url));

let deployment: Deployment;
let nats: NatsServerHandle;
let home: string;
const children: ChildProcess[] = [];
const logins: Login[] = [];
let alice: Bus;
let bob: Bus;
let carol: Bus;
let admin: Bus;
let pdp: Bus;
let bobSession: string;

const forbidden = expect.objectContaining({ code: 'FORBIDDEN' });

beforeAll(async () => {
  deployment = await makeDeployment();
  for (const [name, role] of [
    ['alice', 'member'],
    ['bob', 'member'],
    ['carol', 'approver'],
  ] as const) {
    const added = await deployment.run(['deploy', 'user', 'add', name, '--role', role, '--no-reload']);
    if (added.code !== 0) throw new Error(`deploy user add ${name}: ${added.stderr}`);
  }
  // JetStream (for the services' KV buckets) is on in the written config, with its store moved into the test's home.
  nats = await startNats({ config: await testServerConfigOf(deployment), jetstream: false });
  home = await mkdtemp(join(tmpdir(), 'ironcurtain-team-'));
  const cli = await logIn(nats.url, deployment.serviceSeedFile('cli'), 'ironcurtain-cli');
  logins.push(cli);
  admin = cli.bus;
  for (const service of services) {
    if (service === 'mcp-gateway') {
      await eventually(
        'the PDP to answer',
        async () => {
          const cliLogin = logins[0];
          return (
            cliLogin !== undefined && (await pingServices(cliLogin.bus, 'policy-decision-point')).length > 0
          );
        },
        30_000,
      );
    }
    const child = spawn(process.execPath, [entryOf(service)], {
      env: {
        PATH: process.env['PATH'] ?? '',
        NATS_URL: nats.url,
        NATS_NKEY_SEED_FILE: deployment.serviceSeedFile(service),
        IRONCURTAIN_HOME: home,
        ORCH_DEFAULT_MODEL: 'demo:scripted',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
  }
  for (const service of services) {
    await eventually(
      `${service} to answer`,
      async () => (await pingServices(admin, service)).length > 0,
      30_000,
    );
  }
  const people = await Promise.all([
    logInAsPerson(nats.url, deployment, { name: 'alice', role: 'member' }),
    logInAsPerson(nats.url, deployment, { name: 'bob', role: 'member' }),
    logInAsPerson(nats.url, deployment, { name: 'carol', role: 'approver' }),
  ]);
  logins.push(...people);
  [alice, bob, carol] = people.map((login) => login.bus) as [Bus, Bus, Bus];
  const pdpLogin = await logIn(
    nats.url,
    deployment.serviceSeedFile('policy-decision-point'),
    'policy-decision-point',
  );
  logins.push(pdpLogin);
  pdp = pdpLogin.bus;
  // A session of bob's, without a task (no model needed).
  bobSession = (await request(bob, SessionStart, { agent: 'builtin' }, { timeoutMs: 15_000 })).sessionId;
}, 120_000);

afterAll(async () => {
  for (const login of logins) await login.bus.close().catch(() => undefined);
  for (const child of children) await stopProcess(child);
  await nats?.dispose();
  for (const folder of [home, deployment?.directory, deployment?.home])
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

describe('a team deployment with derived permissions', () => {
  it("alice cannot list, send to, stop, budget or read the audit of bob's session; each attempt is audited", async () => {
    expect((await request(bob, SessionList, {})).sessions.map((session) => session.sessionId)).toEqual([
      bobSession,
    ]);
    expect((await request(alice, SessionList, {})).sessions).toEqual([]);
    await expect(request(alice, SessionSend, { sessionId: bobSession, message: 'hi' })).rejects.toEqual(
      forbidden,
    );
    await expect(request(alice, SessionStop, { sessionId: bobSession })).rejects.toEqual(forbidden);
    await expect(request(alice, SessionBudget, { sessionId: bobSession })).rejects.toEqual(forbidden);
    await expect(request(alice, AuditQuery, { userId: 'bob' })).rejects.toEqual(forbidden);
    expect((await request(alice, AuditQuery, { sessionId: bobSession })).records).toEqual([]);
    const attempts = await eventually('the refusals in the trail', async () => {
      const { records } = await request(admin, AuditQuery, { sessionId: bobSession, kind: 'access' });
      return records.length >= 3 ? records : undefined;
    });
    expect(attempts.map((record) => (record as { endpoint?: string }).endpoint).sort()).toEqual([
      'session.budget.v1',
      'session.send.v1',
      'session.stop.v1',
    ]);
    for (const record of attempts) expect(record).toMatchObject({ userId: 'bob', caller: { name: 'alice' } });
    // bob's own session still works for bob.
    expect((await request(bob, SessionBudget, { sessionId: bobSession })).sessionId).toBe(bobSession);
  }, 60_000);

  it("alice cannot answer bob's escalation; carol (approver) can, and the PDP is told carol approved", async () => {
    const opened = requestUntilSettled(
      pdp,
      EscalationOpen,
      {
        callId: 'team-call-1',
        sessionId: bobSession,
        userId: 'bob',
        serverName: 'git',
        toolName: 'git_push',
        canonicalArguments: { remote: 'github.com/acme/site' },
        argsHash: 'b'.repeat(64),
        reason: 'pushing needs approval',
        rule: 'escalate-git-remote-operations',
        waitSeconds: 5,
      },
      { deadlineMs: 60_000, attemptTimeoutMs: 10_000, isSettled: (reply) => reply.status !== 'pending' },
    );
    const ticket = await eventually(
      'the ticket',
      async () => (await request(carol, EscalationList, {})).tickets[0],
    );
    expect((await request(alice, EscalationList, {})).tickets).toEqual([]);
    const attempt = { ticketId: ticket.id, decision: 'approved', approver: 'bob', channel: 'cli' };
    await expect(request(alice, EscalationResolve, attempt)).rejects.toEqual(forbidden);
    expect(await request(carol, EscalationResolve, attempt)).toMatchObject({
      isAccepted: true,
      resolvedBy: 'carol',
    });
    expect(await opened).toMatchObject({ status: 'approved', approver: 'carol' });
    const refusals = await eventually('the refused answer in the trail', async () => {
      const { records } = await request(admin, AuditQuery, { sessionId: bobSession, kind: 'access' });
      const found = records.filter(
        (record) => (record as { endpoint?: string }).endpoint === 'escalation.resolve.v1',
      );
      return found.length > 0 ? found : undefined;
    });
    expect(refusals[0]).toMatchObject({ caller: { name: 'alice', role: 'member' } });
  }, 90_000);

  it('deploy user revoke alice: her next request is refused, bob keeps working', async () => {
    const revoked = await deployment.run([
      'deploy',
      'user',
      'revoke',
      'alice',
      '--nats-pid',
      String(nats.pid),
    ]);
    expect(revoked.code, revoked.stderr).toBe(0);
    await eventually('alice to be cut off', async () => {
      try {
        await request(alice, SessionList, {}, { timeoutMs: 1000 });
        return undefined;
      } catch {
        return true;
      }
    });
    expect((await request(bob, SessionList, {})).sessions.map((session) => session.sessionId)).toEqual([
      bobSession,
    ]);
  }, 60_000);
});
