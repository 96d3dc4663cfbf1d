// audit.append.v1 against a real nats-server and real files: the record on disk, the chain, group commit ordering,
// redaction, idempotent retries and the record event.
import { constants } from 'node:fs';
import { open, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { hashOfRecord, verifyAuditTrail } from '@ironcurtain/audit-trail';
import { subscribe, type Bus } from '@ironcurtain/bus';
import { AuditRecordEvent, type PayloadOf } from '@ironcurtain/proto-schemas';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
import {
  append,
  connectClient,
  decisionInput,
  outcomeInput,
  readTrail,
  startWriter,
  temporaryHome,
  trailPath,
} from './writer-fixture.js';

let nats: NatsServerHandle;
let home: string;
let client: Bus;
let writer: Awaited<ReturnType<typeof startWriter>>;

beforeAll(async () => {
  nats = await startNats({ jetstream: false });
  client = await connectClient(nats.url);
});
afterAll(async () => {
  await client.close();
  await nats.dispose();
});
beforeEach(async () => {
  home = await temporaryHome('append');
  writer = await startWriter(nats.url, { IRONCURTAIN_HOME: home });
});
afterEach(async () => {
  await writer.stop();
  await rm(home, { recursive: true, force: true });
});

const verifyFile = async (sessionId: string) =>
  verifyAuditTrail([await readFile(trailPath(home, sessionId))]);

describe('audit.append.v1', () => {
  it('answers with the seq and hash of the record it wrote to sessions/<id>/audit.jsonl', async () => {
    const first = await append(client, decisionInput('s1', 0));
    const second = await append(client, outcomeInput('s1', 0));
    expect(first).toMatchObject({ seq: 0, isDuplicate: false });
    expect(second).toMatchObject({ seq: 1, isDuplicate: false });
    const records = await readTrail(home, 's1');
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      seq: 0,
      prevHash: '0'.repeat(64),
      hash: first.hash,
      kind: 'decision',
    });
    expect(records[1]).toMatchObject({ seq: 1, prevHash: first.hash, hash: second.hash, kind: 'outcome' });
    expect(hashOfRecord(records[1] as Record<string, unknown>)).toBe(second.hash);
    expect(await verifyFile('s1')).toMatchObject({ isValid: true, records: 2 });
  });

  it('keeps every field of the record, and each session in its own trail', async () => {
    const decision = decisionInput('s1', 1, {
      userId: 'alice',
      escalationResult: 'approved',
      escalation: { ticketId: 't-1', approver: 'alice' },
      autoApproved: false,
      whitelistApproved: true,
      argsHash: 'b'.repeat(64),
      argumentRoles: { path: ['read-path'] },
    } as never);
    await append(client, decision);
    await append(client, decisionInput('s2', 1));
    const [stored] = await readTrail(home, 's1');
    const { seq: _seq, prevHash: _prevHash, hash: _hash, ...content } = stored as Record<string, unknown>;
    expect(content).toEqual(decision);
    expect(await readTrail(home, 's2')).toHaveLength(1);
  });

  it('orders concurrent appends strictly: seqs 0..n-1 in file order, one chain', async () => {
    const count = 300;
    const replies = await Promise.all(
      Array.from({ length: count }, (_, index) => append(client, decisionInput('busy', index))),
    );
    expect(new Set(replies.map((reply) => reply.seq)).size).toBe(count);
    const records = await readTrail(home, 'busy');
    expect(records.map((record) => record['seq'])).toEqual(
      Array.from({ length: count }, (_, index) => index),
    );
    for (const reply of replies) expect(records[reply.seq]?.['hash']).toBe(reply.hash);
    expect(await verifyFile('busy')).toMatchObject({ isValid: true, records: count });
  });

  it('group-commits: concurrent appends to one trail share synchronous writes, each answered only after its batch is on disk', async () => {
    // The trail is opened O_SYNC: a write returns once its bytes are on disk. A spy that calls through counts the
    // writes to trails (the probe file below is not one) and notes when each one ended.
    const probe = await open(join(home, 'probe'), 'w');
    const prototype = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const writtenAt: number[] = [];
    const realWrite = prototype.write;
    const spy = vi.spyOn(prototype, 'write').mockImplementation(async function (this: unknown, ...args) {
      const result = await realWrite.apply(this, args);
      writtenAt.push(performance.now());
      return result;
    });
    try {
      await append(client, decisionInput('grouped', 0));
      expect(writtenAt.length).toBe(1);
      writtenAt.length = 0;
      const count = 200;
      const answeredAt: number[] = [];
      await Promise.all(
        Array.from({ length: count }, (_, index) =>
          append(client, decisionInput('grouped', index + 1)).then(() => answeredAt.push(performance.now())),
        ),
      );
      expect(writtenAt.length).toBeGreaterThan(0);
      expect(writtenAt.length).toBeLessThanOrEqual(count / 4);
      // No reply came before the first write of the burst had returned, that is, reached the disk.
      expect(Math.min(...answeredAt)).toBeGreaterThanOrEqual(Math.min(...writtenAt));
    } finally {
      spy.mockRestore();
    }
  });

  it('keeps the trail open O_SYNC, so a write is on disk when it returns (Linux: the flags in /proc/self/fdinfo)', async () => {
    await append(client, decisionInput('synced', 0));
    const path = trailPath(home, 'synced');
    const descriptors = await readdir('/proc/self/fd');
    const targets = await Promise.all(
      descriptors.map(async (fd) => ({ fd, target: await readlink(`/proc/self/fd/${fd}`).catch(() => '') })),
    );
    const trail = targets.find(({ target }) => target === path);
    expect(trail, `no open descriptor of ${path}`).toBeDefined();
    const flagsLine = (await readFile(`/proc/self/fdinfo/${trail?.fd}`, 'utf8')).match(
      /^flags:\s+([0-7]+)$/m,
    );
    const flags = Number.parseInt(flagsLine?.[1] ?? '0', 8);
    expect(flags & constants.O_SYNC).toBe(constants.O_SYNC);
    expect(flags & constants.O_APPEND).toBe(constants.O_APPEND);
  });

  it('redacts secrets in arguments, results and reasons before writing', async () => {
    await append(
      client,
      decisionInput('s1', 2, {
        arguments: { content: 'key sk-ant-api03-Xy7Zw6Vu5Ts4Rq3Po2Nm1Lk0Jh9Gf8Ed7 card 4111 1111 1111 1111' },
      }),
    );
    await append(
      client,
      outcomeInput('s1', 2, { result: { status: 'error', error: 'denied for AKIAIOSFODNN7EXAMPLE' } }),
    );
    const text = await readFile(trailPath(home, 's1'), 'utf8');
    expect(text).not.toContain('Xy7Zw6Vu5');
    expect(text).not.toContain('4111 1111 1111 1111');
    expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    const [decision, outcome] = await readTrail(home, 's1');
    expect(decision?.['arguments']).toEqual({
      content: 'key sk-ant-[REDACTED:anthropic-key] card 4111 **** **** 1111',
    });
    expect(decision?.['redactions']).toEqual([
      { field: '/arguments/content', rule: 'anthropic-key', action: 'redacted' },
      { field: '/arguments/content', rule: 'credit-card', action: 'redacted' },
    ]);
    expect(outcome?.['result']).toEqual({
      status: 'error',
      error: 'denied for AKIA[REDACTED:aws-access-key-id]',
    });
    expect(outcome?.['redactions']).toEqual([
      { field: '/result/error', rule: 'aws-access-key-id', action: 'redacted' },
    ]);
    expect(await verifyFile('s1')).toMatchObject({ isValid: true });
  });

  // Issue 13: the trail must not lie. A path keeps its value (flagged, not rewritten), the text after a PEM BEGIN
  // marker stays, the producer's hash of the real arguments is kept as sent, and the chain covers all of it.
  it('never rewrites a path argument, keeps what follows a PEM marker and the argsHash as sent', async () => {
    const path = '/sandbox/sk-ant-api03-Xy7Zw6Vu5Ts4Rq3Po2Nm1Lk0Jh9Gf8Ed7/4111 1111 1111 1111.txt';
    const content = '-----BEGIN RSA PRIVATE KEY-----\nnot a key: every line of this text stays\nrm -rf /\n';
    const record = decisionInput('s1', 9, {
      toolName: 'write_file',
      arguments: { path, content },
      argsHash: 'c'.repeat(64),
      argumentRoles: { path: ['write-path'], content: ['none'] },
    } as never);
    const reply = await append(client, record);
    const [stored] = await readTrail(home, 's1');
    expect(stored).toMatchObject({
      arguments: { path, content },
      argsHash: 'c'.repeat(64),
      hash: reply.hash,
    });
    expect(stored?.['redactions']).toEqual([
      { field: '/arguments/path', rule: 'anthropic-key', action: 'kept' },
      { field: '/arguments/path', rule: 'credit-card', action: 'kept' },
    ]);
    expect(await verifyFile('s1')).toMatchObject({ isValid: true });
    // The same append again is the same record (redaction is deterministic): answered from the trail.
    expect(await append(client, record)).toMatchObject({ seq: reply.seq, isDuplicate: true });
  });

  it('writes records unredacted when AUDIT_REDACTION=off', async () => {
    await writer.stop();
    writer = await startWriter(nats.url, { IRONCURTAIN_HOME: home, AUDIT_REDACTION: 'off' });
    await append(client, decisionInput('raw', 0, { arguments: { ssn: '123-45-6789' } }));
    expect((await readTrail(home, 'raw'))[0]?.['arguments']).toEqual({ ssn: '123-45-6789' });
  });

  it('answers a retried append from the trail instead of writing it twice', async () => {
    const first = await append(client, decisionInput('s1', 3));
    const again = await append(client, decisionInput('s1', 3));
    expect(again).toEqual({ seq: first.seq, hash: first.hash, isDuplicate: true });
    const concurrent = await Promise.all([
      append(client, outcomeInput('s1', 3)),
      append(client, outcomeInput('s1', 3)),
    ]);
    expect(concurrent.map((reply) => reply.seq)).toEqual([1, 1]);
    expect(concurrent.filter((reply) => reply.isDuplicate)).toHaveLength(1);
    expect(await readTrail(home, 's1')).toHaveLength(2);
  });

  it('refuses a different record under the same requestId and kind (CONFLICT), writing nothing', async () => {
    await append(client, decisionInput('s1', 4));
    const changed = decisionInput('s1', 4, {
      policyDecision: { status: 'deny', rule: 'default-deny', reason: 'changed' },
    });
    await expect(append(client, changed)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await readTrail(home, 's1')).toHaveLength(1);
  });

  it('answers again after a restart: the trail is re-read, the chain and the retry keys continue', async () => {
    const before = await append(client, decisionInput('s1', 5));
    await writer.stop();
    writer = await startWriter(nats.url, { IRONCURTAIN_HOME: home });
    expect(await append(client, decisionInput('s1', 5))).toMatchObject({
      seq: before.seq,
      isDuplicate: true,
    });
    const next = await append(client, decisionInput('s1', 6));
    expect(next.seq).toBe(before.seq + 1);
    expect((await readTrail(home, 's1'))[1]?.['prevHash']).toBe(before.hash);
  });

  it('refuses an invalid record at the edge (SCHEMA_INVALID)', async () => {
    const invalid = { ...decisionInput('s1', 7), policyDecision: { status: 'maybe' } } as never;
    await expect(append(client, invalid)).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
    const badSession = decisionInput('../etc', 7);
    await expect(append(client, badSession)).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
  });

  it('publishes audit.evt.record.v1 for each record once it is on disk', async () => {
    const events: Array<PayloadOf<typeof AuditRecordEvent>> = [];
    const subscription = subscribe(client, AuditRecordEvent, (event) => void events.push(event));
    await client.connection.flush();
    const reply = await append(client, decisionInput('s1', 8));
    await eventually('the record event', () => events.length > 0);
    expect(events[0]?.record).toMatchObject({ sessionId: 's1', seq: reply.seq, hash: reply.hash });
    subscription.unsubscribe();
  });
});
