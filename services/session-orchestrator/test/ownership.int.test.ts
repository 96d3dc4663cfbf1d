// Session ownership (issue 19, item 2) on a real nats-server: the orchestrator in this process, the real
// policy-decision-point and audit-writer as processes from their built dist. Buses ask as the members alice and bob
// and as an admin (the caller is in the request's subject; here nothing but the test pins it, the derived NATS
// permissions do that in a deployment). alice cannot list, send to, stop, budget or resume bob's session: each is
// FORBIDDEN, and each attempt is an access refusal in bob's trail. The admin sees and stops both. The audit queries
// run through the real audit-writer over the real trail: the PDP's decisions carry each session's owner.
import { spawn, type ChildProcess } from 'node:child_process';
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeyValue, pingServices, putJson, request, type Bus } from '@ironcurtain/bus';
import {
  AuditQuery,
  SessionBudget,
  SessionList,
  SessionSend,
  SessionStart,
  SessionStop,
  sessionsBucket,
} from '@ironcurtain/proto-schemas';
import { eventually, stopProcess } from '@ironcurtain/testing';
import { startOrchestratorWorld, type OrchestratorWorld } from './orchestrator-world.js';

const entryOf = (service: string) =>
  fileURLToPath(new URL(`../../${service}/dist/index.js`, import.meta.url));
const services = ['audit-writer', 'policy-decision-point'] as const;

let world: OrchestratorWorld;
let alice: Bus;
let bob: Bus;
let admin: Bus;
let aliceSession: string;
let bobSession: string;
const children: ChildProcess[] = [];

const turnEnd = (sessionId: string, turn: number) =>
  eventually(`turn ${turn} of ${sessionId}`, () =>
    world.statuses.find((event) => event.sessionId === sessionId && event.turn === turn && event.turnOutcome),
  );
const listedBy = async (bus: Bus) =>
  (await request(bus, SessionList, {})).sessions.map((session) => session.sessionId);
const forbidden = (sessionId: string) => ({
  code: 'FORBIDDEN',
  message: `session ${sessionId} belongs to another person`,
});

beforeAll(async () => {
  for (const service of services) {
    await access(entryOf(service)).catch(() => {
      throw new Error(`${entryOf(service)} is missing: build first (npx tsc -b services/${service})`);
    });
  }
  world = await startOrchestratorWorld({});
  for (const service of services) {
    const child = spawn(process.execPath, [entryOf(service)], {
      env: {
        PATH: process.env['PATH'] ?? '',
        NATS_URL: world.natsUrl,
        IRONCURTAIN_HOME: world.home,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
  }
  for (const service of services) {
    await eventually(
      `${service} to answer`,
      async () => (await pingServices(world.client, service)).length > 0,
      30_000,
    );
  }
  alice = await world.connectAs({ name: 'alice', role: 'member' });
  bob = await world.connectAs({ name: 'bob', role: 'member' });
  admin = await world.connectAs({ name: 'ops', role: 'admin' });
  // Each runs one turn of the scripted demo: its tool calls go to the real PDP, which denies them (no gateway) and
  // writes each decision, with the session's owner, to the real audit-writer.
  aliceSession = (await request(alice, SessionStart, { task: 'Show the demo.', agent: 'builtin' })).sessionId;
  bobSession = (await request(bob, SessionStart, { task: 'Show the demo.', agent: 'builtin' })).sessionId;
  await turnEnd(aliceSession, 1);
  await turnEnd(bobSession, 1);
}, 90_000);

afterAll(async () => {
  for (const child of children) await stopProcess(child);
  await world?.stop();
});

describe('a member and the sessions of others', () => {
  it('lists only their own sessions, each naming its owner from the subject', async () => {
    expect(await listedBy(alice)).toEqual([aliceSession]);
    expect(await listedBy(bob)).toEqual([bobSession]);
    const aliceList = await request(alice, SessionList, {});
    expect(aliceList.sessions[0]).toMatchObject({ sessionId: aliceSession, userId: 'alice' });
  });

  it('cannot send to, budget, resume or stop another member’s session: FORBIDDEN, and the session goes on', async () => {
    await expect(
      request(alice, SessionSend, { sessionId: bobSession, message: 'alice was here' }),
    ).rejects.toMatchObject(forbidden(bobSession));
    await expect(request(alice, SessionBudget, { sessionId: bobSession })).rejects.toMatchObject(
      forbidden(bobSession),
    );
    await expect(
      request(alice, SessionStart, { agent: 'builtin', resumeSessionId: bobSession, task: 'alice was here' }),
    ).rejects.toMatchObject(forbidden(bobSession));
    await expect(
      request(alice, SessionStop, { sessionId: bobSession, reason: 'alice' }),
    ).rejects.toMatchObject(forbidden(bobSession));
    // Nothing of alice's reached it: bob's next message is its second turn, and it is still running.
    expect(await request(bob, SessionSend, { sessionId: bobSession, message: 'Again.' })).toEqual({
      isAccepted: true,
      turn: 2,
    });
    await turnEnd(bobSession, 2);
    expect((await request(bob, SessionBudget, { sessionId: bobSession })).session.steps.used).toBe(8);
  });

  it('leaves each refused attempt in the session’s audit trail as an access refusal naming the caller', async () => {
    const { records } = await request(admin, AuditQuery, { sessionId: bobSession, kind: 'access' });
    expect(records.map((record) => record.kind === 'access' && record.endpoint).sort()).toEqual([
      'session.budget.v1',
      'session.send.v1',
      'session.start.v1',
      'session.stop.v1',
    ]);
    for (const record of records) {
      expect(record).toMatchObject({
        kind: 'access',
        sessionId: bobSession,
        userId: 'bob',
        caller: { name: 'alice', role: 'member' },
        outcome: 'forbidden',
        serverName: 'session-orchestrator',
        policyDecision: {
          status: 'deny',
          rule: 'not-session-owner',
          reason: 'the session belongs to another person',
        },
      });
    }
  });

  it('takes the owner from the subject, never from a userId in the payload', async () => {
    // A hand-made request with a userId: the field is no longer part of session.start.v1 and counts for nothing.
    const reply = await alice.connection.request(
      'session.start.v1.p.member.alice',
      new TextEncoder().encode(JSON.stringify({ agent: 'builtin', userId: 'bob' })),
      { timeout: 10_000 },
    );
    const envelope = reply.json<{ ok: boolean; result: { sessionId: string } }>();
    expect(envelope.ok).toBe(true);
    const { sessions } = await request(admin, SessionList, {});
    expect(sessions.find((session) => session.sessionId === envelope.result.sessionId)?.userId).toBe('alice');
    expect(await listedBy(bob)).not.toContain(envelope.result.sessionId);
    await request(alice, SessionStop, { sessionId: envelope.result.sessionId });
  });
});

describe('the audit trail as each caller may read it', () => {
  it('gives alice her records only; bob’s userId is FORBIDDEN to her; an admin reads both', async () => {
    const mine = await request(alice, AuditQuery, {});
    expect(mine.records.length).toBeGreaterThan(0);
    expect(new Set(mine.records.map((record) => record.userId))).toEqual(new Set(['alice']));
    expect(new Set(mine.records.map((record) => record.sessionId))).toEqual(new Set([aliceSession]));
    await expect(request(alice, AuditQuery, { userId: 'bob' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await request(alice, AuditQuery, { sessionId: bobSession })).records).toEqual([]);
    const everything = await request(admin, AuditQuery, { kind: 'decision' });
    expect(new Set(everything.records.map((record) => record.userId))).toEqual(new Set(['alice', 'bob']));
  });
});

describe('an admin', () => {
  it('sees every session and stops another person’s', async () => {
    const listed = await listedBy(admin);
    expect(listed).toEqual(expect.arrayContaining([aliceSession, bobSession]));
    expect((await request(admin, SessionBudget, { sessionId: aliceSession })).sessionId).toBe(aliceSession);
    expect(await request(admin, SessionStop, { sessionId: aliceSession })).toMatchObject({
      status: 'stopped',
    });
    expect(await request(admin, SessionStop, { sessionId: bobSession })).toMatchObject({ status: 'stopped' });
    // Resumed by an admin, a session keeps its owner.
    await request(admin, SessionStart, { agent: 'builtin', resumeSessionId: bobSession });
    expect((await request(bob, SessionList, {})).sessions[0]).toMatchObject({
      sessionId: bobSession,
      userId: 'bob',
    });
    expect(await listedBy(alice)).not.toContain(bobSession);
  });

  it('alone sees a session from before sessions had owners', async () => {
    const kv = await openKeyValue(world.client, sessionsBucket);
    const at = new Date().toISOString();
    const sessionId = '20250101-000000-0ld0ne';
    await putJson(kv, sessionId, {
      sessionId,
      status: 'stopped',
      createdAt: at,
      updatedAt: at,
      model: 'demo:scripted',
      turn: 1,
    });
    expect(await listedBy(alice)).not.toContain(sessionId);
    expect(await listedBy(admin)).toContain(sessionId);
    await expect(request(alice, SessionStop, { sessionId })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: `session ${sessionId} was started before sessions had owners; only an admin may use it`,
    });
    // The admin is past the check: the session is not running, so there is nothing to stop.
    await expect(request(admin, SessionStop, { sessionId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
