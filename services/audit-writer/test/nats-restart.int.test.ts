// A NATS restart in the middle of a burst of appends loses no acknowledged record (acknowledged = on disk). Callers
// retry what failed with the same record; the writer answers a retry of a record it already wrote from the trail
// (isDuplicate), so nothing is written twice.
import { readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditTrail } from '@ironcurtain/audit-trail';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import {
  append,
  connectClient,
  decisionInput,
  outcomeInput,
  readTrail,
  startWriter,
  temporaryHome,
  trailPath,
  type AppendReply,
  type RecordInput,
} from './writer-fixture.js';

let nats: NatsServerHandle;
let home: string;

beforeAll(async () => {
  nats = await startNats({ jetstream: false });
  home = await temporaryHome('nats-restart');
});
afterAll(async () => {
  await nats.dispose();
  await rm(home, { recursive: true, force: true });
});

describe('NATS restart during a burst of appends', () => {
  it('every acknowledged append is on disk once, in one intact chain per session', async () => {
    const writer = await startWriter(nats.url, { IRONCURTAIN_HOME: home });
    const client = await connectClient(nats.url);
    const sessions = ['r1', 'r2', 'r3', 'r4'];
    const perSession = 150;
    const acknowledged = new Map<string, AppendReply & { sessionId: string }>();
    let failures = 0;
    const send = async (record: RecordInput): Promise<void> => {
      // Retry until acknowledged: a timeout or a lost connection says nothing about whether it was written.
      for (;;) {
        try {
          const reply = await append(client, record, 1000);
          acknowledged.set(`${record.sessionId}:${record.kind}:${record.requestId}`, {
            ...reply,
            sessionId: record.sessionId,
          });
          return;
        } catch {
          failures += 1;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    const burst = sessions.map(async (sessionId) => {
      // Four concurrent callers per session, each a call's decision then its outcome.
      const lanes = Array.from({ length: 4 }, async (_, lane) => {
        for (let index = lane; index < perSession; index += 4) {
          await send(decisionInput(sessionId, index));
          await send(outcomeInput(sessionId, index));
        }
      });
      await Promise.all(lanes);
    });
    while (acknowledged.size < 200) await new Promise((resolve) => setTimeout(resolve, 5));
    await nats.restart();
    await Promise.all(burst);

    expect(failures).toBeGreaterThan(0);
    expect(acknowledged.size).toBe(sessions.length * perSession * 2);
    for (const sessionId of sessions) {
      const records = await readTrail(home, sessionId);
      expect(records).toHaveLength(perSession * 2);
      const keys = records.map((record) => `${String(record['kind'])}:${String(record['requestId'])}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(await verifyAuditTrail([await readFile(trailPath(home, sessionId))])).toMatchObject({
        isValid: true,
      });
    }
    for (const [key, reply] of acknowledged) {
      const records = await readTrail(home, reply.sessionId);
      expect(records[reply.seq]?.['hash'], key).toBe(reply.hash);
    }
    await client.close();
    await writer.stop();
  }, 60_000);
});
