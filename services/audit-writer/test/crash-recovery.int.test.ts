// A crash in the middle of a write leaves at most a torn last line: the next start sets it aside (kept, never
// deleted) and continues the chain from the last good record, losing nothing before it.
import { appendFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditTrail } from '@ironcurtain/audit-trail';
import { request, type Bus } from '@ironcurtain/bus';
import { AuditVerify } from '@ironcurtain/proto-schemas';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import {
  append,
  connectClient,
  decisionInput,
  readTrail,
  spawnWriter,
  startWriter,
  temporaryHome,
  trailPath,
  type AppendReply,
} from './writer-fixture.js';

let nats: NatsServerHandle;
let client: Bus;

beforeAll(async () => {
  nats = await startNats({ jetstream: false });
  client = await connectClient(nats.url);
});
afterAll(async () => {
  await client.close();
  await nats.dispose();
});

const tornFiles = async (home: string, sessionId: string) =>
  (await readdir(dirname(trailPath(home, sessionId)))).filter((name) => name.startsWith('audit.jsonl.torn-'));

/** Writes `count` records through a writer, then stops it: a trail as a previous run left it. */
async function trailOf(home: string, sessionId: string, count: number): Promise<AppendReply[]> {
  const writer = await startWriter(nats.url, { IRONCURTAIN_HOME: home });
  const replies: AppendReply[] = [];
  for (let index = 0; index < count; index += 1)
    replies.push(await append(client, decisionInput(sessionId, index)));
  await writer.stop();
  return replies;
}

describe('torn last line', () => {
  it.each([
    ['an incomplete line (no newline)', (line: string) => line.slice(0, 57)],
    ['a line cut and ended by a newline', (line: string) => `${line.slice(0, 80)}\n`],
    ['a line of zeros (unwritten blocks)', () => '\u0000'.repeat(300)],
  ])('sets aside %s and continues the chain from the last good record', async (_name, tear) => {
    const home = await temporaryHome('torn');
    try {
      const before = await trailOf(home, 's1', 5);
      const intact = await readFile(trailPath(home, 's1'));
      const tail = tear(JSON.stringify(decisionInput('s1', 99)));
      await appendFile(trailPath(home, 's1'), tail);

      const writer = await startWriter(nats.url, { IRONCURTAIN_HOME: home });
      try {
        const next = await append(client, decisionInput('s1', 5));
        expect(next.seq).toBe(5);
        const records = await readTrail(home, 's1');
        expect(records.slice(0, 5).map((record) => record['hash'])).toEqual(
          before.map((reply) => reply.hash),
        );
        expect(records[5]).toMatchObject({ seq: 5, prevHash: before[4]?.hash, hash: next.hash });
        expect((await readFile(trailPath(home, 's1'))).subarray(0, intact.length)).toEqual(intact);
        const aside = await tornFiles(home, 's1');
        expect(aside).toHaveLength(1);
        expect(await readFile(join(dirname(trailPath(home, 's1')), aside[0] as string), 'utf8')).toBe(tail);
        expect(await verifyAuditTrail([await readFile(trailPath(home, 's1'))])).toMatchObject({
          isValid: true,
          records: 6,
        });
      } finally {
        await writer.stop();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('does not set aside more than the last line: damage further up refuses the trail', async () => {
    const home = await temporaryHome('torn-two');
    try {
      await trailOf(home, 's1', 3);
      await appendFile(trailPath(home, 's1'), 'garbage\nmore garbage\n');
      const writer = await startWriter(nats.url, { IRONCURTAIN_HOME: home });
      try {
        await expect(append(client, decisionInput('s1', 3))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
        expect(await tornFiles(home, 's1')).toEqual([]);
      } finally {
        await writer.stop();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('SIGKILL during a burst of appends', () => {
  it('keeps every acknowledged record; after a restart the chain is whole and continues', async () => {
    const home = await temporaryHome('kill');
    try {
      const first = await spawnWriter(nats.url, { IRONCURTAIN_HOME: home });
      const acknowledged: AppendReply[] = [];
      let index = 0;
      const writers = Array.from({ length: 16 }, async () => {
        for (;;) {
          const mine = index++;
          try {
            acknowledged.push(await append(client, decisionInput('burst', mine), 2000));
          } catch {
            return;
          }
        }
      });
      while (acknowledged.length < 300) await new Promise((resolve) => setTimeout(resolve, 5));
      first.child.kill('SIGKILL');
      await Promise.all(writers);
      await first.stop();

      const second = await spawnWriter(nats.url, { IRONCURTAIN_HOME: home });
      try {
        const next = await append(client, decisionInput('burst', 1_000_000));
        const records = await readTrail(home, 'burst');
        for (const reply of acknowledged) expect(records[reply.seq]?.['hash']).toBe(reply.hash);
        expect(next.seq).toBeGreaterThanOrEqual(acknowledged.length);
        const verdict = await request(client, AuditVerify, { sessionId: 'burst' });
        expect(verdict).toMatchObject({ isValid: true, lastSeq: next.seq });
      } finally {
        await second.stop();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('a last line that is complete JSON but fails its hash', () => {
  it('is set aside too (and stays visible to verify as a set-aside file)', async () => {
    const home = await temporaryHome('badhash');
    try {
      await trailOf(home, 's1', 3);
      const lines = (await readFile(trailPath(home, 's1'), 'utf8')).split('\n');
      lines[2] = (lines[2] as string).replace('file-2', 'file-Z');
      await writeFile(trailPath(home, 's1'), lines.join('\n'));
      const writer = await startWriter(nats.url, { IRONCURTAIN_HOME: home });
      try {
        expect((await append(client, decisionInput('s1', 3))).seq).toBe(2);
        const verdict = await request(client, AuditVerify, { sessionId: 's1' });
        expect(verdict).toMatchObject({ isValid: true, records: 3 });
        expect(verdict.setAside).toHaveLength(1);
      } finally {
        await writer.stop();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
