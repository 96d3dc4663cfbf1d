import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

/** Who should own a written file (the user the containers run as), when that is not the user writing it. */
export interface FileOwner {
  uid: number;
  gid: number;
}

/**
 * Writes `file` whole or not at all: a temporary file beside it, created with `mode` (and chmod-ed, so no umask
 * widens or narrows it), owned by `owner` when given, flushed, then renamed over `file`. A reader never sees half a
 * key, and a secret is never readable by others, not even for a moment.
 */
export async function writeFileAtomically(
  file: string,
  content: string | Uint8Array,
  mode: number,
  owner?: FileOwner,
): Promise<void> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.chmod(mode);
      if (owner !== undefined) await handle.chown(owner.uid, owner.gid);
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
