import { constants } from 'node:fs';
import { lstat, mkdir, open, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import {
  recordKeyOf,
  tornTailFileName,
  trailFileName,
  verifyAuditTrail,
  type ChainHead,
  type ChainVerification,
} from '@ironcurtain/audit-trail';
import { AppError, ErrorCode } from '@ironcurtain/errors';

/** Where a stored record is, so a retried append can be compared with it. */
export interface StoredRecordRef {
  seq: number;
  hash: string;
  byteOffset: number;
  byteLength: number;
}

/** A trail file opened for appending, checked, with any torn tail set aside. */
export interface OpenedTrailFile {
  handle: FileHandle;
  head: ChainHead;
  /** Bytes in the file: every append must find it this long, or someone else wrote to it. */
  size: number;
  /** Record key (kind:requestId) → where that record is. */
  keys: Map<string, StoredRecordRef>;
  /** The file a torn tail was moved to just now, if there was one. */
  setAside?: string;
}

const readChunkBytes = 256 * 1024;

/** `<home>/sessions/<id>/audit.jsonl`. */
export function trailPathOf(home: string, sessionId: string): string {
  return join(home, 'sessions', sessionId, trailFileName);
}

/**
 * Opens (creating it and its folders, durably) the trail at `path` and checks its whole chain. A last line that is
 * not a complete, valid record — what a crash in the middle of a write leaves — is copied to
 * `audit.jsonl.torn-<time>` (fsynced) before the trail is cut back to its last good record, so nothing is lost. Any
 * other damage refuses the trail: appends to it stop until a person looks (`ironcurtain audit verify`).
 */
export async function openTrailFile(path: string, now: Date): Promise<OpenedTrailFile> {
  const created = await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const existed = await isRegularFileOrAbsent(path);
  // O_NOFOLLOW: the trail is never a link to somewhere else; O_APPEND: every write lands at the end; O_SYNC: a write
  // returns once its bytes are on disk, as a write and an fsync would, in one trip to libuv's thread pool, not two.
  const flags =
    constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_SYNC;
  const handle = await open(path, flags, 0o600);
  try {
    if (!(await handle.stat()).isFile()) throw notRegular(path);
    if (!existed) await syncCreatedPath(path, created);
    const keys = new Map<string, StoredRecordRef>();
    const verification = await verifyAuditTrail(readChunks(handle), (record, line) => {
      keys.set(recordKeyOf(record as { kind: string; requestId: string; refusalId?: unknown }), {
        seq: record['seq'] as number,
        hash: record['hash'] as string,
        byteOffset: line.byteOffset,
        byteLength: line.byteLength,
      });
    });
    const size = (await handle.stat()).size;
    if (!isUsable(verification)) throw damaged(path, verification);
    if (verification.goodByteLength === size) return { handle, head: verification.head, size, keys };
    const setAside = await setAsideTail(handle, path, verification.goodByteLength, size, now);
    return { handle, head: verification.head, size: verification.goodByteLength, keys, setAside };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** Reads the line a stored record is on. */
export async function readStoredLine(handle: FileHandle, ref: StoredRecordRef): Promise<string> {
  const buffer = Buffer.alloc(ref.byteLength);
  const { bytesRead } = await handle.read(buffer, 0, ref.byteLength, ref.byteOffset);
  return buffer.subarray(0, bytesRead).toString('utf8');
}

async function* readChunks(handle: FileHandle): AsyncGenerator<Uint8Array> {
  let position = 0;
  for (;;) {
    const buffer = Buffer.allocUnsafe(readChunkBytes);
    const { bytesRead } = await handle.read(buffer, 0, readChunkBytes, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

// A crash can leave one bad last line: incomplete, or cut so that it no longer parses or hashes. Anything else —
// a bad line with records after it, a gap, a repeat — did not come from a crash.
function isUsable(verification: ChainVerification): boolean {
  const { problem } = verification;
  if (problem === undefined) return true;
  return (
    problem.isLastLine &&
    problem.byteOffset === verification.goodByteLength &&
    (problem.tampering === 'malformed' || problem.tampering === 'edited')
  );
}

async function setAsideTail(
  handle: FileHandle,
  path: string,
  from: number,
  to: number,
  now: Date,
): Promise<string> {
  const tail = Buffer.alloc(to - from);
  await handle.read(tail, 0, tail.length, from);
  const asideName = tornTailFileName(now, basename(path));
  const asidePath = join(dirname(path), asideName);
  // Kept first, durably; only then is the trail cut back.
  await writeFile(asidePath, tail, { flag: 'wx', mode: 0o600, flush: true });
  await syncDirectory(dirname(path));
  await handle.truncate(from);
  await handle.sync();
  return asideName;
}

async function isRegularFileOrAbsent(path: string): Promise<boolean> {
  try {
    const stats = await lstat(path);
    if (!stats.isFile()) throw notRegular(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

// A new file survives a crash only once the directory entries on its way are on disk too.
async function syncCreatedPath(path: string, firstCreated: string | undefined): Promise<void> {
  await syncDirectory(dirname(path));
  if (firstCreated === undefined) return;
  const steps = relative(dirname(firstCreated), dirname(path)).split('/').length;
  let directory = dirname(path);
  for (let step = 0; step < steps; step += 1) {
    directory = dirname(directory);
    await syncDirectory(directory);
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function notRegular(path: string): AppError {
  return new AppError(
    ErrorCode.Unavailable,
    `audit trail ${path} is not a regular file (a folder, link or device stands there); ` +
      'move it away so the writer can create the trail',
    { retryable: true },
  );
}

function damaged(path: string, verification: ChainVerification): AppError {
  const problem = verification.problem;
  return new AppError(
    ErrorCode.Unavailable,
    `audit trail ${path} is damaged at line ${problem?.line ?? '?'} (${problem?.problem ?? 'unknown'}); ` +
      `appends to this session stop until it is repaired: inspect it with \`ironcurtain audit verify ${path}\``,
    { retryable: false },
  );
}
