// audit.query.v1 and audit.verify.v1 as each caller may use them (issue 19, item 2), on a real bus and real trails,
// answered from the files and from PostgreSQL (127.0.0.1:5432, database `test`; AUDIT_TEST_POSTGRES_URL elsewhere).
// The caller is in the request's subject: the members alice and bob, the approver carol and an admin each have a bus.
// A member reads only records whose userId is theirs; another user's userId is FORBIDDEN, not an empty answer; a
// member verifies only a trail that is all theirs. Approvers and admins read and verify everything.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, type Bus } from '@ironcurtain/bus';
import {
  AuditAppendRefusal,
  AuditQuery,
  AuditVerify,
  type Caller,
  type RequestOf,
} from '@ironcurtain/proto-schemas';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
import {
  append,
  connectClient,
  decisionInput,
  outcomeInput,
  startWriter,
  temporaryHome,
} from './writer-fixture.js';

type QueryRequest = RequestOf<typeof AuditQuery>;
type Stored = { sessionId: string; seq: number; userId?: string | undefined };

const postgresUrl = process.env['AUDIT_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const idOf = (record: { sessionId: string; seq: number }) => `${record.sessionId}:${record.seq}`;

/** bob's session, refused to alice: the orchestrator's access refusal as it sends it. */
const accessRefusal = {
  kind: 'access',
  timestamp: '2026-11-24T12:05:00.000Z',
  requestId: 'access-1',
  sessionId: 'bob-1',
  userId: 'bob',
  serverName: 'session-orchestrator',
  toolName: 'session.stop.v1',
  policyDecision: {
    status: 'deny',
    rule: 'not-session-owner',
    reason: 'session bob-1 belongs to another person',
  },
  policyHash: '',
  caller: { name: 'alice', role: 'member' },
  endpoint: 'session.stop.v1',
  outcome: 'forbidden',
} as const;

/** Two calls of alice, one of bob and his access refusal, and a call from before sessions had owners. */
async function appendRecords(client: Bus): Promise<Stored[]> {
  const stored: Stored[] = [];
  const keep = (record: { sessionId: string; userId?: string | undefined }, seq: number) =>
    stored.push({ sessionId: record.sessionId, userId: record.userId, seq });
  for (const record of [
    decisionInput('alice-1', 0, { userId: 'alice' }),
    outcomeInput('alice-1', 0, { userId: 'alice' }),
    decisionInput('alice-1', 1, { userId: 'alice' }),
    decisionInput('bob-1', 2, { userId: 'bob' }),
    outcomeInput('bob-1', 2, { userId: 'bob' }),
    decisionInput('legacy-1', 3),
  ]) {
    keep(record, (await append(client, record)).seq);
  }
  keep(accessRefusal, (await request(client, AuditAppendRefusal, { record: accessRefusal })).seq);
  return stored;
}

describe.each(['files', 'postgres'] as const)('from %s', (source) => {
  const schema = `audit_scope_${process.pid}_${randomBytes(4).toString('hex')}`;
  let nats: NatsServerHandle;
  let home: string;
  let writer: Awaited<ReturnType<typeof startWriter>>;
  let client: Bus;
  let stored: Stored[];
  const buses: Bus[] = [];
  const callers: Record<'alice' | 'bob' | 'carol' | 'admin', Bus> = {} as never;
  const query = (caller: keyof typeof callers, filter: QueryRequest = {}) =>
    request(callers[caller], AuditQuery, filter);
  const idsOf = (predicate: (record: Stored) => boolean) => stored.filter(predicate).map(idOf).sort();

  beforeAll(async () => {
    nats = await startNats({ jetstream: false });
    home = await temporaryHome(`scope-${source}`);
    writer = await startWriter(nats.url, {
      IRONCURTAIN_HOME: home,
      ...(source === 'postgres' ? { AUDIT_POSTGRES_URL: postgresUrl, AUDIT_POSTGRES_SCHEMA: schema } : {}),
    });
    client = await connectClient(nats.url);
    const people: Record<keyof typeof callers, Caller> = {
      alice: { name: 'alice', role: 'member' },
      bob: { name: 'bob', role: 'member' },
      carol: { name: 'carol', role: 'approver' },
      admin: { name: 'ops', role: 'admin' },
    };
    for (const [key, caller] of Object.entries(people)) {
      const bus = await connectBus({ url: nats.url, name: `audit-test-${caller.name}`, caller });
      buses.push(bus);
      callers[key as keyof typeof callers] = bus;
    }
    stored = await appendRecords(client);
    await eventually(
      `every record answered from ${source}`,
      async () => {
        const reply = await query('admin');
        return reply.source === source && reply.records.length === stored.length;
      },
      15_000,
    );
  });
  afterAll(async () => {
    for (const bus of buses) await bus.close();
    await client?.close();
    await writer?.stop();
    await nats?.dispose();
    if (source === 'postgres') {
      const database = new pg.Client({ connectionString: postgresUrl });
      await database.connect();
      await database.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await database.end();
    }
    await rm(home, { recursive: true, force: true });
  });

  it('gives a member their own records only, however the filter is put', async () => {
    const alices = idsOf((record) => record.userId === 'alice');
    expect(alices).toHaveLength(3);
    const everything = await query('alice');
    expect(everything.source).toBe(source);
    expect(everything.records.map(idOf).sort()).toEqual(alices);
    expect((await query('alice', { userId: 'alice' })).records.map(idOf).sort()).toEqual(alices);
    expect((await query('alice', { sessionId: 'bob-1' })).records).toEqual([]);
    expect((await query('alice', { sessionId: 'legacy-1' })).records).toEqual([]);
    // Her refused attempt is a fact of bob's session: his to read, not hers.
    expect((await query('alice', { kind: 'access' })).records).toEqual([]);
    const bobs = await query('bob');
    expect(bobs.records.map(idOf).sort()).toEqual(idsOf((record) => record.userId === 'bob'));
    expect(bobs.records.find((record) => record.kind === 'access')).toMatchObject(accessRefusal);
  });

  it('pages a member through their own records only', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await query('alice', { limit: 1, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...page.records.map(idOf));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(seen.sort()).toEqual(idsOf((record) => record.userId === 'alice'));
  });

  it("refuses a member another user's records: FORBIDDEN, not an empty list", async () => {
    await expect(query('alice', { userId: 'bob' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('alice is a member and sees only their own records'),
    });
    await expect(query('bob', { userId: 'alice', decision: 'allow' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('gives approvers and admins every record, and any user’s', async () => {
    for (const caller of ['carol', 'admin'] as const) {
      expect((await query(caller)).records.map(idOf).sort()).toEqual(stored.map(idOf).sort());
      expect((await query(caller, { userId: 'bob' })).records.map(idOf).sort()).toEqual(
        idsOf((record) => record.userId === 'bob'),
      );
    }
  });

  it('lets a member verify only a trail that is all theirs', async () => {
    expect(await request(callers.alice, AuditVerify, { sessionId: 'alice-1' })).toMatchObject({
      isValid: true,
      records: 3,
    });
    for (const sessionId of ['bob-1', 'legacy-1']) {
      await expect(request(callers.alice, AuditVerify, { sessionId })).rejects.toMatchObject({
        code: 'FORBIDDEN',
        message: `session ${sessionId} belongs to another person: a member may verify only the trail of their own session`,
      });
    }
    await expect(request(callers.alice, AuditVerify, { sessionId: 'nobody' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await request(callers.carol, AuditVerify, { sessionId: 'bob-1' })).toMatchObject({
      isValid: true,
      records: 3,
    });
    expect(await request(callers.admin, AuditVerify, { sessionId: 'legacy-1' })).toMatchObject({
      isValid: true,
    });
  });
});
