import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** The outcome of {@link readBoundedFile}. */
export type BoundedRead =
  { kind: 'content'; bytes: Buffer } | { kind: 'missing' } | { kind: 'refused'; reason: string };

/** Git refuses `.git` files above 1 MiB; the inspector uses the same limit for every file it reads. */
export const maxInspectedFileBytes = 1 << 20;

/**
 * Reads a small regular file (following symlinks) without ever blocking: it opens with O_NONBLOCK, so a FIFO
 * planted in place of the file cannot hang the reader, then checks on the open descriptor that the file is regular
 * and no larger than `maxBytes`. A path that does not exist is `missing`; anything else that is not a readable
 * regular file is `refused`.
 */
export async function readBoundedFile(path: string, maxBytes = maxInspectedFileBytes): Promise<BoundedRead> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'refused', reason: `cannot be opened (${code ?? 'unknown error'})` };
  }
  try {
    const status = await handle.stat();
    if (!status.isFile())
      return { kind: 'refused', reason: `is not a regular file (${describeType(status)})` };
    if (status.size > maxBytes) {
      return { kind: 'refused', reason: `is ${status.size} bytes, above the ${maxBytes}-byte limit` };
    }
    const bytes = Buffer.alloc(status.size);
    const { bytesRead } = await handle.read(bytes, 0, status.size, 0);
    return { kind: 'content', bytes: bytes.subarray(0, bytesRead) };
  } catch (error) {
    return { kind: 'refused', reason: `cannot be read (${(error as Error).message})` };
  } finally {
    await handle.close();
  }
}

/** A word for a file type, for messages. */
export function describeType(status: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSymbolicLink(): boolean;
}): string {
  if (status.isDirectory()) return 'a directory';
  if (status.isFIFO()) return 'a FIFO';
  if (status.isSocket()) return 'a socket';
  if (status.isCharacterDevice()) return 'a character device';
  if (status.isBlockDevice()) return 'a block device';
  if (status.isSymbolicLink()) return 'a symbolic link';
  return 'a regular file';
}
