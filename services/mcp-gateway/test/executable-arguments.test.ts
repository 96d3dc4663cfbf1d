// Canonical arguments are what the policy decided on; this is how they are made runnable, and when they are not.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArgumentRole } from '@ironcurtain/policy-engine';
import { toExecutableArguments } from '../src/domain/calls/executable-arguments.js';

const roles = (entries: Record<string, ArgumentRole[]>) => new Map(Object.entries(entries));
const base = realpathSync(mkdtempSync(join(tmpdir(), 'mcpgw-exec-')));

describe('toExecutableArguments', () => {
  it('runs a canonical remote as the configured remote that points there', () => {
    const repository = join(base, 'repo');
    mkdirSync(repository);
    execFileSync('git', ['init', '--quiet', repository]);
    execFileSync('git', ['-C', repository, 'remote', 'add', 'upstream', 'git@github.com:Acme/Tools.git']);
    execFileSync('git', ['-C', repository, 'remote', 'add', 'origin', 'https://github.com/acme/tools']);
    const result = toExecutableArguments(
      { path: repository, remote: 'github.com/acme/tools' },
      roles({ path: ['read-path'], remote: ['git-remote-url'] }),
    );
    expect(result).toEqual({ ok: true, arguments: { path: repository, remote: 'origin' } });
  });

  it('runs a remote no configured remote matches, and every clone url, as https', () => {
    const result = toExecutableArguments(
      { url: 'gitlab.com/group/sub/project', path: join(base, 'clone') },
      roles({ url: ['git-remote-url'], path: ['write-path'] }),
    );
    expect(result).toEqual({
      ok: true,
      arguments: { url: 'https://gitlab.com/group/sub/project.git', path: join(base, 'clone') },
    });
  });

  it('refuses a path that resolves elsewhere than when it was decided on', () => {
    mkdirSync(join(base, 'outside'));
    mkdirSync(join(base, 'sandbox', 'docs'), { recursive: true });
    writeFileSync(join(base, 'sandbox', 'docs', 'a.md'), 'a');
    const decided = join(base, 'sandbox', 'docs', 'a.md');
    expect(toExecutableArguments({ path: decided }, roles({ path: ['read-path'] }))).toMatchObject({
      ok: true,
    });
    renameSync(join(base, 'sandbox', 'docs'), join(base, 'sandbox', 'docs-old'));
    symlinkSync(join(base, 'outside'), join(base, 'sandbox', 'docs'));
    expect(toExecutableArguments({ path: decided }, roles({ path: ['read-path'] }))).toEqual({
      ok: false,
      reason: `argument "path": ${decided} now resolves to ${join(base, 'outside', 'a.md')} (a symlink changed after the decision); the call was not run — ask again`,
    });
  });
});
