// Fail closed: a trail that cannot be written answers with an error (the PDP then denies), keeps refusing until the
// cause is fixed, drops nothing it acknowledged and writes nothing it refused.
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditTrail } from '@ironcurtain/audit-trail';
import { request, type Bus } from '@ironcurtain/bus';
import { AuditVerify } from '@ironcurtain/proto-schemas';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
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

const run = promisify(execFile);
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

describe('a trail that cannot be opened', () => {
  it('refuses appends while audit.jsonl is a folder, and takes them again once it is gone', async () => {
    const home = await temporaryHome('folder');
    const writer = await startWriter(nats.url, { IRONCURTAIN_HOME: home, AUDIT_RECHECK_MS: '200' });
    try {
      await mkdir(trailPath(home, 'blocked'), { recursive: true });
      const refused = append(client, decisionInput('blocked', 0));
      await expect(refused).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
      await expect(refused).rejects.toThrow(/not a regular file/);
      // Still refused: broken until the cause is fixed, not just for one call.
      await expect(append(client, decisionInput('blocked', 1))).rejects.toMatchObject({
        code: 'UNAVAILABLE',
      });
      // Other sessions are not affected.
      await expect(append(client, decisionInput('other', 0))).resolves.toMatchObject({ seq: 0 });

      await rmdir(trailPath(home, 'blocked'));
      const accepted = await eventually('the trail to take appends again', () =>
        append(client, decisionInput('blocked', 2)).catch(() => undefined),
      );
      expect(accepted.seq).toBe(0);
      expect((await readTrail(home, 'blocked')).map((record) => record['requestId'])).toEqual(['call-2']);
    } finally {
      await writer.stop();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('refuses a trail that is a symbolic link', async () => {
    const home = await temporaryHome('link');
    const writer = await startWriter(nats.url, { IRONCURTAIN_HOME: home });
    try {
      const target = join(home, 'elsewhere.jsonl');
      await writeFile(target, '');
      await mkdir(dirname(trailPath(home, 'linked')), { recursive: true });
      await run('ln', ['-s', target, trailPath(home, 'linked')]);
      await expect(append(client, decisionInput('linked', 0))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(await readFile(target, 'utf8')).toBe('');
    } finally {
      await writer.stop();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('refuses a trail damaged in the middle, and says how to look at it', async () => {
    const home = await temporaryHome('damaged');
    let writer = await startWriter(nats.url, { IRONCURTAIN_HOME: home });
    try {
      for (let index = 0; index < 5; index += 1) await append(client, decisionInput('s1', index));
      await writer.stop();
      const lines = (await readFile(trailPath(home, 's1'), 'utf8')).split('\n');
      lines[2] = (lines[2] as string).replace('file-2', 'file-X');
      await writeFile(trailPath(home, 's1'), lines.join('\n'));
      writer = await startWriter(nats.url, { IRONCURTAIN_HOME: home });
      const refused = append(client, decisionInput('s1', 9));
      await expect(refused).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(refused).rejects.toThrow(/damaged at line 3 .*ironcurtain audit verify/);
      expect(await readTrail(home, 's1')).toHaveLength(5);
    } finally {
      await writer.stop();
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('a write that fails half way (file size limit, like a full disk)', () => {
  it('errors, stays broken, loses no acknowledged record, and resumes once the limit is lifted', async () => {
    const home = await temporaryHome('fsize');
    // Room for a few records; the process's own RLIMIT_FSIZE is the "disk".
    const writer = await spawnWriter(nats.url, { IRONCURTAIN_HOME: home, AUDIT_RECHECK_MS: '200' }, [
      'prlimit',
      '--fsize=4000:unlimited',
      '--',
    ]);
    try {
      const acknowledged: AppendReply[] = [];
      const refusedIds: string[] = [];
      for (let index = 0; index < 40; index += 1) {
        const record = decisionInput('full', index, {
          arguments: { path: `/tmp/${'x'.repeat(200)}-${index}` },
        });
        try {
          acknowledged.push(await append(client, record));
        } catch (error) {
          expect(error).toMatchObject({ code: 'UNAVAILABLE' });
          refusedIds.push(record.requestId);
        }
      }
      expect(acknowledged.length).toBeGreaterThan(2);
      expect(refusedIds.length).toBeGreaterThan(10);
      // Once broken, every later append was refused: nothing acknowledged after the first refusal.
      expect(acknowledged.length + refusedIds.length).toBe(40);
      expect(refusedIds[0]).toBe(`call-${acknowledged.length}`);
      expect(writer.output()).toMatch(/EFBIG/);

      const onDisk = await readTrail(home, 'full');
      for (const reply of acknowledged) expect(onDisk[reply.seq]?.['hash']).toBe(reply.hash);

      await run('prlimit', ['--pid', String(writer.child.pid), '--fsize=unlimited']);
      const resumed = await eventually('appends to resume', () =>
        append(client, decisionInput('full', 100)).catch(() => undefined),
      );
      expect(resumed.seq).toBe(acknowledged.length);
      const after = await readTrail(home, 'full');
      const ids = after.map((record) => record['requestId']);
      for (const id of refusedIds) expect(ids).not.toContain(id);
      expect(ids.at(-1)).toBe('call-100');
      // The half-written line was kept beside the trail, not deleted, and the chain is whole again.
      const torn = (await readdir(dirname(trailPath(home, 'full')))).filter((name) =>
        name.includes('.torn-'),
      );
      expect(torn).toHaveLength(1);
      expect((await stat(join(dirname(trailPath(home, 'full')), torn[0] as string))).size).toBeGreaterThan(0);
      expect(await verifyAuditTrail([await readFile(trailPath(home, 'full'))])).toMatchObject({
        isValid: true,
      });
      const verdict = await request(client, AuditVerify, { sessionId: 'full' });
      expect(verdict).toMatchObject({ isValid: true, setAside: torn });
    } finally {
      await writer.stop();
      await rm(home, { recursive: true, force: true });
    }
  });
});
