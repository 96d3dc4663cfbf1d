// Canonical arguments are what the policy decided on; this is how they are made runnable, and when they are not.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalizeCall, pathStatesArgument, type ArgumentRole } from '@ironcurtain/policy-engine';
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

  it('refuses a create that became an overwrite: a file appeared where the decision saw none', () => {
    const sandbox = join(base, 'create-sandbox');
    const downloads = join(base, 'create-downloads');
    mkdirSync(sandbox);
    mkdirSync(downloads);
    const target = join(downloads, 'report.txt');
    const writeRoles = roles({ path: ['write-path'], content: ['none'] });
    const canonical = canonicalizeCall(
      { serverName: 'filesystem', toolName: 'write_file', arguments: { path: target, content: 'r' } },
      writeRoles,
      { sandboxDir: sandbox, homeDir: base, isContainerSession: false },
    );
    if (!canonical.ok) throw new Error(canonical.reason);
    expect(canonical.call.arguments[pathStatesArgument]).toEqual({ [target]: 'absent' });
    // Unchanged: the server gets the tool's own arguments, without the engine's record.
    expect(toExecutableArguments(canonical.call.arguments, writeRoles)).toEqual({
      ok: true,
      arguments: { path: target, content: 'r' },
    });
    writeFileSync(target, 'the user saved this meanwhile');
    expect(toExecutableArguments(canonical.call.arguments, writeRoles)).toEqual({
      ok: false,
      reason: `${target} was absent when the call was decided and is now file (it changed after the decision); the call was not run — ask again`,
    });
  });

  it('refuses a delete of a directory that gained a secret store after the decision', () => {
    const sandbox = join(base, 'delete-sandbox');
    const project = join(base, 'delete-downloads', 'project');
    mkdirSync(sandbox);
    mkdirSync(project, { recursive: true });
    const moveRoles = roles({ source: ['read-path', 'delete-path'], destination: ['write-path'] });
    const canonical = canonicalizeCall(
      {
        serverName: 'filesystem',
        toolName: 'move_file',
        arguments: { source: project, destination: join(sandbox, 'project') },
      },
      moveRoles,
      { sandboxDir: sandbox, homeDir: base, isContainerSession: false },
    );
    if (!canonical.ok) throw new Error(canonical.reason);
    expect(toExecutableArguments(canonical.call.arguments, moveRoles)).toMatchObject({ ok: true });
    writeFileSync(join(project, '.env'), 'TOKEN=x');
    expect(toExecutableArguments(canonical.call.arguments, moveRoles)).toMatchObject({
      ok: false,
      reason: expect.stringContaining(
        `${project} was directory when the call was decided and is now directory-with-secret`,
      ),
    });
  });
});
