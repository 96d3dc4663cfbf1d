// Transcript lines land in the order they were appended, though callers do not wait for each other: a step's words
// and its code are appended back to back, each on the thread pool.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendTranscript, sessionPathsOf } from '../src/domain/session-files.js';

let home: string | undefined;
afterEach(async () => {
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

describe('appendTranscript', () => {
  it('keeps 300 appends made at once in their order', async () => {
    home = await mkdtemp(join(tmpdir(), 'transcript-order-'));
    const paths = sessionPathsOf(home, 'ordered');
    await mkdir(join(home, 'sessions', 'ordered'), { recursive: true });
    const appends = Array.from({ length: 300 }, (_, index) => appendTranscript(paths, { index }));
    await Promise.all(appends);
    const lines = (await readFile(paths.transcript, 'utf8')).trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { index: number }).index)).toEqual(
      Array.from({ length: 300 }, (_, index) => index),
    );
  });
});
