import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Writes `text` to a temporary file beside `filePath`, then renames it over `filePath`: a reader sees the old file
 * or the new one, never half of one.
 */
export async function writeFileAtomic(filePath: string, text: string): Promise<void> {
  const temporary = `${filePath}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, filePath);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
