import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import {
  isTornTailFileName,
  summarizeVerification,
  verifyAuditTrail,
  type ChainHead,
} from '@ironcurtain/audit-trail';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { AuditVerify, ResponseOf } from '@ironcurtain/proto-schemas';
import { trailPathOf } from './trail-file.js';

/**
 * Checks one session's trail on disk. `knownHead` is what the running writer has written: read before the file, so
 * a trail shorter than it was cut (the one kind of damage the chain alone cannot show).
 */
export async function verifySessionTrail(
  home: string,
  sessionId: string,
  knownHead: ChainHead | undefined,
): Promise<ResponseOf<typeof AuditVerify>> {
  const path = trailPathOf(home, sessionId);
  const isFile = await stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  );
  if (!isFile) {
    throw new AppError(ErrorCode.NotFound, `no audit trail for session ${sessionId} (looked for ${path})`);
  }
  const verification = await verifyAuditTrail(createReadStream(path, { highWaterMark: 256 * 1024 }));
  return {
    sessionId,
    ...summarizeVerification(verification, knownHead),
    setAside: await setAsideFiles(path),
  };
}

/** The torn tails set aside beside a trail (`audit.jsonl.torn-<time>`), oldest first. */
export async function setAsideFiles(trailPath: string): Promise<string[]> {
  const names = await readdir(dirname(trailPath)).catch(() => [] as string[]);
  return names.filter((name) => isTornTailFileName(name, basename(trailPath))).sort();
}
