// The PostgreSQL copy against the PostgreSQL server on 127.0.0.1:5432 (database `test`, trust auth): the migration,
// the copy of every record, the same queries as the files, and catching up on records written while it was away.
// Each run uses a schema of its own and drops it.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashOfRecord } from '@ironcurtain/audit-trail';
import { request, type Bus } from '@ironcurtain/bus';
import { AuditQuery } from '@ironcurtain/proto-schemas';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { queryTrailFiles } from '../src/domain/file-query.js';
import { appendDataset, expectedFor, idOf, queryAllPages, queryCases } from './query-cases.js';
import {
  append,
  connectClient,
  decisionInput,
  readTrail,
  startWriter,
  temporaryHome,
} from './writer-fixture.js';

const postgresUrl = process.env['AUDIT_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `audit_test_${process.pid}_${randomBytes(4).toString('hex')}`;
const table = `"${schema}".audit_records`;

let nats: NatsServerHandle;
let home: string;
let client: Bus;
let database: pg.Client;
let writer: Awaited<ReturnType<typeof startWriter>> | undefined;
let stored: Awaited<ReturnType<typeof appendDataset>>;

const withPostgres = (url = postgresUrl) => ({
  IRONCURTAIN_HOME: home,
  AUDIT_POSTGRES_URL: url,
  AUDIT_POSTGRES_SCHEMA: schema,
});
const rowCount = async (where = 'true', values: unknown[] = []) =>
  Number((await database.query(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, values)).rows[0].n);

beforeAll(async () => {
  database = new pg.Client({ connectionString: postgresUrl });
  await database.connect();
  nats = await startNats({ jetstream: false });
  home = await temporaryHome('postgres');
  client = await connectClient(nats.url);
  writer = await startWriter(nats.url, withPostgres());
  stored = await appendDataset(client);
  await eventually('the dataset in PostgreSQL', async () => (await rowCount()) === stored.length, 15_000);
});
afterAll(async () => {
  await writer?.stop();
  await client?.close();
  await nats?.dispose();
  await database.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await database.end();
  await rm(home, { recursive: true, force: true });
});

describe('migration', () => {
  it('creates the schema, its tables and indexes, and records version 1 once', async () => {
    const versions = await database.query(`SELECT version FROM "${schema}".schema_migrations`);
    expect(versions.rows).toEqual([{ version: 1 }]);
    const indexes = await database.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'audit_records' ORDER BY 1`,
      [schema],
    );
    expect(indexes.rows.map((row: { indexname: string }) => row.indexname)).toContain('audit_records_order');
    // A second start migrates again: nothing to do.
    await writer?.stop();
    writer = await startWriter(nats.url, withPostgres());
    await append(client, decisionInput('again', 0));
    await eventually('the new record', async () => (await rowCount('session_id = $1', ['again'])) === 1);
    expect((await database.query(`SELECT version FROM "${schema}".schema_migrations`)).rowCount).toBe(1);
  });
});

describe('the copy', () => {
  it('holds each record exactly as the trail does, with its columns filled', async () => {
    const fileRecords = await readTrail(home, 'q1');
    const rows = await database.query(
      `SELECT seq, decision, rule, user_id, kind, hash, record FROM ${table} WHERE session_id = 'q1' ORDER BY seq`,
    );
    expect(rows.rows.map((row: { record: unknown }) => row.record)).toEqual(fileRecords);
    expect(rows.rows[0]).toMatchObject({
      seq: '0',
      decision: (fileRecords[0]?.['policyDecision'] as { status: string }).status,
      user_id: 'alice',
      kind: 'decision',
      hash: fileRecords[0]?.['hash'],
    });
  });
});

describe('records with the fields of issue 13', () => {
  it('come back from PostgreSQL whole: argsHash, roles and redactions kept, every hash still matches', async () => {
    const reply = await request(client, AuditQuery, { sessionId: 'q1', kind: 'decision' });
    expect(reply.source).toBe('postgres');
    for (const record of reply.records) expect(hashOfRecord(record)).toBe(record.hash);
    // Index 21: a record as the PDP writes it now, whose path holds a key-like string.
    const flagged = reply.records.find((record) => record.requestId === 'call-21');
    expect(flagged).toMatchObject({
      argsHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      argumentRoles: { path: ['read-path'] },
      arguments: { path: expect.stringContaining('sk-ant-api03-Xy7Zw6Vu5Ts4Rq3Po2Nm1Lk0') },
      redactions: [{ field: '/arguments/path', rule: 'anthropic-key', action: 'kept' }],
    });
    expect(reply.records.some((record) => record.kind === 'decision' && record.argsHash === undefined)).toBe(
      true,
    );
  });
});

describe('audit.query.v1 from PostgreSQL', () => {
  it.each(queryCases)('%s: the same answer as the files', async (_name, query) => {
    const reply = await request(client, AuditQuery, query);
    expect(reply.source).toBe('postgres');
    const parsed = AuditQuery.request.parse(query);
    const fromFiles = await queryTrailFiles(home, { ...parsed });
    const expected = expectedFor(stored, query).slice(0, parsed.limit);
    const ids = reply.records.map(idOf).filter((id) => !id.startsWith('again#'));
    expect(ids).toEqual(expected);
    expect(reply.records.map(idOf)).toEqual(fromFiles.records.map(idOf));
    expect(reply.hasMore).toBe(fromFiles.hasMore);
  });

  it('pages with nextCursor in both orders like the files', async () => {
    for (const order of ['asc', 'desc'] as const) {
      const all = await queryAllPages(client, { order, sessionId: 'q2' }, 4);
      expect(all.sources).toEqual(new Set(['postgres']));
      expect(all.ids).toEqual(expectedFor(stored, { order, sessionId: 'q2' }));
    }
  });
});

describe('PostgreSQL away', () => {
  it('does not stop appends, answers queries from files, and catches up from the files later', async () => {
    await writer?.stop();
    // Nothing listens on port 9: every connection is refused.
    writer = await startWriter(nats.url, withPostgres('postgres://postgres@127.0.0.1:9/test'));
    const replies = [];
    for (let index = 0; index < 5; index += 1)
      replies.push(await append(client, decisionInput('offline', index)));
    expect(replies.map((reply) => reply.seq)).toEqual([0, 1, 2, 3, 4]);
    const reply = await request(client, AuditQuery, { sessionId: 'offline' });
    expect(reply).toMatchObject({ source: 'files' });
    expect(reply.records).toHaveLength(5);
    await writer.stop();
    expect(await rowCount('session_id = $1', ['offline'])).toBe(0);

    writer = await startWriter(nats.url, withPostgres());
    await eventually(
      'the copy to catch up',
      async () => (await rowCount('session_id = $1', ['offline'])) === 5,
    );
    const caughtUp = await request(client, AuditQuery, { sessionId: 'offline' });
    expect(caughtUp.source).toBe('postgres');
    expect(caughtUp.records.map((record) => record.hash)).toEqual(replies.map((each) => each.hash));
  });
});
