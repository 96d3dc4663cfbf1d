// The `ironcurtain` bin as npm links it into node_modules/.bin of the repository.
import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEntry, repositoryRoot } from './stack-process.js';

describe('npx ironcurtain --version', () => {
  it('is linked by npm to the CLI bin', async () => {
    // Checked first so a missing link fails here (run `npm install`) instead of sending npx to the registry.
    const linked = await realpath(join(repositoryRoot, 'node_modules', '.bin', 'ironcurtain'));
    expect(linked).toBe(await realpath(cliEntry));
  });

  it('prints the version of @ironcurtain/cli from the repository root', async () => {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    // --no: never install a package called "ironcurtain" from the registry; `--` keeps --version for the CLI.
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        'npx',
        ['--no', '--', 'ironcurtain', '--version'],
        { cwd: repositoryRoot, timeout: 30_000 },
        (error, output) => (error === null ? resolve(output) : reject(error)),
      );
    });
    expect(stdout.trim()).toBe(manifest.version);
  });
});
