import { createReadStream } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readAuditLines, type AuditRecordValue } from '@ironcurtain/audit-trail';
import { AuditRecord, SessionId } from '@ironcurtain/proto-schemas';
import { trailPathOf } from './trail-file.js';

// The writer puts seq first, so most lines can be skipped without parsing them.
const leadingSeq = /^\{"seq":(\d+),/;

/**
 * The records of one trail, oldest first, from `fromSeq` on. Lines that are not records (a torn tail, damage) are
 * skipped: reading is for queries and copies, checking is `verify`'s job. A missing trail has no records.
 */
export async function* readTrailRecords(path: string, fromSeq = 0): AsyncGenerator<AuditRecordValue> {
  let stream;
  try {
    await access(path);
    stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  } catch {
    return;
  }
  for await (const line of readAuditLines(stream)) {
    if (!line.isComplete) continue;
    const seq = leadingSeq.exec(line.text)?.[1];
    if (seq !== undefined && Number(seq) < fromSeq) continue;
    const record = parseRecord(line.text);
    if (record !== undefined && record.seq >= fromSeq) yield record;
  }
}

/** The ids of the sessions under `home` that have a trail. */
export async function listTrailSessions(home: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(join(home, 'sessions'));
  } catch {
    return [];
  }
  const sessions: string[] = [];
  for (const name of names.sort()) {
    if (!SessionId.safeParse(name).success) continue;
    if (
      await access(trailPathOf(home, name)).then(
        () => true,
        () => false,
      )
    )
      sessions.push(name);
  }
  return sessions;
}

function parseRecord(text: string): AuditRecordValue | undefined {
  try {
    const parsed = AuditRecord.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
