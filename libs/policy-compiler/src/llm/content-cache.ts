import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson, sha256Hex } from '@ironcurtain/policy-engine';
import { writeFileAtomic } from '../artifacts/write-file-atomic.js';

/** Answers already obtained, by the hash of everything that produced them. */
export interface ContentCache {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
}

/** sha256 hex of the canonical JSON of `parts`: the key of a cached answer. */
export function contentKey(parts: unknown): string {
  return sha256Hex(canonicalJson(parts));
}

/**
 * A cache of validated answers in `directory`, one `<key>.json` file each. An unreadable or corrupt entry counts as
 * a miss: the answer is asked for again rather than trusted.
 */
export function createContentCache(directory: string): ContentCache {
  return {
    async get(key) {
      try {
        return JSON.parse(await readFile(join(directory, `${key}.json`), 'utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
    async set(key, value) {
      await mkdir(directory, { recursive: true });
      await writeFileAtomic(join(directory, `${key}.json`), `${JSON.stringify(value)}\n`);
    },
  };
}
