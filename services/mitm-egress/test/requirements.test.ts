// Every security property in the README's list is cited by id in at least one test that checks it.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const serviceRoot = join(import.meta.dirname, '..');

describe('security properties', () => {
  it('are each cited by a test', async () => {
    const readme = await readFile(join(serviceRoot, 'README.md'), 'utf8');
    const listed = [...readme.matchAll(/^- \*\*(EGRESS-\d+)\*\*/gm)].map((match) => match[1]);
    expect(listed.length).toBeGreaterThan(0);
    const testFiles = (await readdir(join(serviceRoot, 'test'))).filter(
      (name) => name.endsWith('.test.ts') && name !== 'requirements.test.ts',
    );
    const tests = (
      await Promise.all(testFiles.map((name) => readFile(join(serviceRoot, 'test', name), 'utf8')))
    ).join('\n');
    const uncited = listed.filter((id) => !new RegExp(`\\[${id}\\]`).test(tests));
    expect(uncited).toEqual([]);
  });
});
