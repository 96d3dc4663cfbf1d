import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';

/** The entries of a directory: none when it does not exist, a problem when it exists but cannot be listed. */
export type DirectoryListing = { kind: 'entries'; entries: Dirent[] } | { kind: 'problem'; problem: string };

/**
 * Lists a directory. One that is missing is empty (git
 * treats it so); one that cannot be listed is a problem, so the inspector never passes over what it cannot see.
 */
export async function listDirectory(path: string): Promise<DirectoryListing> {
  try {
    return { kind: 'entries', entries: await readdir(path, { withFileTypes: true }) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'entries', entries: [] };
    return { kind: 'problem', problem: `${path} cannot be listed (${code ?? 'unknown error'}); refused` };
  }
}

/** True for a directory, or a symlink to one (git follows such symlinks). */
export async function isDirectoryEntry(entry: Dirent, path: string): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  return stat(path).then(
    (status) => status.isDirectory(),
    () => false,
  );
}
