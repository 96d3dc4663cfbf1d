import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';

/** The files of an image folder, as the build context holds them. */
export interface FolderContent {
  /** Relative paths with `/`, sorted: the build context sends exactly these. */
  files: string[];
  /** 12 hex digits of a SHA-256 over every file's name and bytes (and the base's hash, for an agent). */
  hash: string;
}

/**
 * Hashes a folder's regular files, names and bytes, in sorted order. `parentHash` (the base's hash) is folded in, so
 * an agent image is rebuilt when its base changes. Symbolic links and other special files are not part of a build
 * context and are left out of both.
 */
export async function hashFolder(folder: string, parentHash?: string): Promise<FolderContent> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch((error: unknown) => {
    throw new AppError(
      ErrorCode.NotFound,
      `the image folder ${folder} cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`,
      { cause: error },
    );
  });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
  const digest = createHash('sha256');
  if (parentHash !== undefined) digest.update(`parent ${parentHash}\n`);
  for (const file of files) {
    const bytes = await readFile(join(folder, file));
    // Name and length first, so no two different folders can produce the same byte stream.
    digest.update(`file ${file} ${bytes.length}\n`);
    digest.update(bytes);
  }
  return { files, hash: digest.digest('hex').slice(0, 12) };
}
