// audit.query.v1 from the session files, and audit.verify.v1, on a real bus and real trails.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type Bus } from '@ironcurtain/bus';
import { AuditQuery, AuditVerify } from '@ironcurtain/proto-schemas';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { appendDataset, expectedFor, idOf, queryAllPages, queryCases } from './query-cases.js';
import {
  append,
  connectClient,
  decisionInput,
  startWriter,
  temporaryHome,
  trailPath,
} from './writer-fixture.js';

let nats: NatsServerHandle;
let home: string;
let client: Bus;
let writer: Awaited<ReturnType<typeof startWriter>>;
let stored: Awaited<ReturnType<typeof appendDataset>>;

beforeAll(async () => {
  nats = await startNats({ jetstream: false });
  home = await temporaryHome('query');
  writer = await startWriter(nats.url, { IRONCURTAIN_HOME: home });
  client = await connectClient(nats.url);
  stored = await appendDataset(client);
});
afterAll(async () => {
  await client.close();
  await writer.stop();
  await nats.dispose();
  await rm(home, { recursive: true, force: true });
});

describe('audit.query.v1 from files', () => {
  it.each(queryCases)('%s', async (_name, query) => {
    const reply = await request(client, AuditQuery, query);
    const expected = expectedFor(stored, query);
    expect(reply.source).toBe('files');
    expect(reply.records.map(idOf)).toEqual(expected.slice(0, query.limit ?? 1000));
    expect(reply.hasMore).toBe(expected.length > (query.limit ?? 1000));
  });

  it.each([
    ['asc', 7],
    ['desc', 5],
  ] as const)(
    'pages through everything in %s order with nextCursor, each record once',
    async (order, size) => {
      const all = await queryAllPages(client, { order }, size);
      expect(all.ids).toEqual(expectedFor(stored, { order }));
      expect(all.pages).toBe(Math.ceil(stored.length / size));
    },
  );

  it('refuses a cursor it did not make', async () => {
    await expect(request(client, AuditQuery, { cursor: 'x|y' })).rejects.toMatchObject({
      code: 'SCHEMA_INVALID',
    });
  });
});

describe('audit.verify.v1', () => {
  it('reports an intact trail with its head', async () => {
    const verdict = await request(client, AuditVerify, { sessionId: 'q1' });
    const last = stored.filter((record) => record.sessionId === 'q1').at(-1);
    expect(verdict).toMatchObject({ sessionId: 'q1', isValid: true, lastSeq: last?.seq, setAside: [] });
    expect(verdict.records).toBe((last?.seq ?? 0) + 1);
  });

  it('names the first bad seq of an edited trail', async () => {
    const path = trailPath(home, 'q3');
    const original = await readFile(path, 'utf8');
    await writeFile(path, original.replace('"reason 2"', '"reason two"'));
    try {
      const verdict = await request(client, AuditVerify, { sessionId: 'q3' });
      expect(verdict).toMatchObject({ isValid: false, firstBadSeq: 0, tampering: 'edited', line: 1 });
    } finally {
      await writeFile(path, original);
    }
  });

  it('catches a trail cut short behind the running writer (truncation)', async () => {
    await append(client, decisionInput('cut', 0));
    await append(client, decisionInput('cut', 1));
    const path = trailPath(home, 'cut');
    const lines = (await readFile(path, 'utf8')).split('\n');
    await writeFile(path, `${lines[0]}\n`);
    const verdict = await request(client, AuditVerify, { sessionId: 'cut' });
    expect(verdict).toMatchObject({ isValid: false, tampering: 'truncated', firstBadSeq: 1, lastSeq: 0 });
  });

  it('answers NOT_FOUND for a session without a trail', async () => {
    await expect(request(client, AuditVerify, { sessionId: 'nobody' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
