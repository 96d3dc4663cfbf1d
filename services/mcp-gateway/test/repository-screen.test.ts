// The repository screen in front of every call (src/domain/repository): a git server's repositories go to the
// inspector, and any other server's writes inside a git directory are refused. Real files and real `git init`; the
// inspector itself is @ironcurtain/git-guard's, tested there and end to end in test/security.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArgumentRole } from '@ironcurtain/policy-engine';
import { gitDirectoryAround } from '../src/domain/repository/git-directory.js';
import { repositoryRoots } from '../src/domain/repository/repository-roots.js';
import { runInRepositoryTurn, screenRepositories } from '../src/domain/repository/repository-screen.js';
import { createSessionLocks } from '../src/domain/repository/session-locks.js';

let root: string;
let sandbox: string;

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'repository-screen-')));
  sandbox = join(root, 'sandbox');
  mkdirSync(sandbox);
  const init = spawnSync('git', ['init', '--quiet', join(sandbox, 'repo')], {
    env: { PATH: process.env['PATH'], GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  });
  if (init.status !== 0) throw new Error(`git init failed: ${String(init.stderr)}`);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const roles = (entries: Record<string, ArgumentRole[]>) => new Map(Object.entries(entries));

describe('gitDirectoryAround', () => {
  it('finds a .git component in any case, and the git directory a path is in', () => {
    expect(gitDirectoryAround(join(sandbox, 'repo', '.git', 'config'))).toBe(join(sandbox, 'repo', '.git'));
    expect(gitDirectoryAround(join(sandbox, 'repo', '.GIT', 'hooks', 'new'))).toBe(
      join(sandbox, 'repo', '.GIT'),
    );
    expect(gitDirectoryAround(join(sandbox, 'repo', '.git'))).toBe(join(sandbox, 'repo', '.git'));
  });

  it('finds a directory that looks like a git directory under any name (a .git file target, a bare repository)', () => {
    const planted = join(sandbox, 'planted');
    mkdirSync(join(planted, 'objects'), { recursive: true });
    mkdirSync(join(planted, 'refs'));
    expect(gitDirectoryAround(join(planted, 'config'))).toBe(planted);
    const withHead = join(sandbox, 'head-only');
    mkdirSync(withHead);
    writeFileSync(join(withHead, 'HEAD'), 'ref: refs/heads/main\n');
    expect(gitDirectoryAround(join(withHead, 'hooks', 'pre-commit'))).toBe(withHead);
    const linked = join(sandbox, 'linked');
    symlinkSync(join(sandbox, 'repo', '.git'), linked);
    expect(gitDirectoryAround(join(linked, 'config'))).toBe(linked);
  });

  it('leaves the work tree of a repository and plain folders alone', () => {
    expect(gitDirectoryAround(join(sandbox, 'repo', 'src', 'main.ts'))).toBeUndefined();
    expect(gitDirectoryAround(join(sandbox, 'repo', '.gitattributes'))).toBeUndefined();
    expect(gitDirectoryAround(join(sandbox, 'notes', 'new.md'))).toBeUndefined();
  });
});

describe('screenRepositories', () => {
  const inspected: Array<{
    directory: string;
    allowedRoots: readonly string[];
    ceilings: readonly string[];
  }> = [];
  const deps = (verdict: 'safe' | 'refused') => ({
    isGitServer: (serverName: string) => serverName === 'git',
    rootsOf: (_serverName: string, sandboxDir: string) => ({
      roots: [sandboxDir, join(root, 'documents')],
      ceilings: [dirname(sandboxDir), root],
    }),
    inspectRepository: (
      directory: string,
      options: { allowedRoots: readonly string[]; ceilingDirectories: readonly string[] },
    ) => {
      inspected.push({ directory, allowedRoots: options.allowedRoots, ceilings: options.ceilingDirectories });
      return Promise.resolve(
        verdict === 'safe'
          ? { kind: 'safe' as const, gitDir: '', commonDir: '' }
          : { kind: 'refused' as const, problems: ['core.fsmonitor in .git/config runs a program'] },
      );
    },
  });
  beforeEach(() => inspected.splice(0));

  it('inspects every path a git call names, bounded by what the server may see, and refuses with the problems', async () => {
    const call = {
      serverName: 'git',
      canonicalArguments: { path: join(sandbox, 'repo'), worktreePath: join(sandbox, 'tree'), message: 'x' },
      roles: roles({ path: ['read-path'], worktreePath: ['write-path'], message: ['commit-message'] }),
      sandboxDir: sandbox,
    };
    expect(await screenRepositories(call, deps('safe'))).toEqual({ ok: true });
    const bounds = { allowedRoots: [sandbox, join(root, 'documents')], ceilings: [dirname(sandbox), root] };
    expect(inspected).toEqual([
      { directory: join(sandbox, 'repo'), ...bounds },
      { directory: join(sandbox, 'tree'), ...bounds },
    ]);
    const refused = await screenRepositories(call, deps('refused'));
    expect(refused).toMatchObject({ ok: false, reason: 'unsafe-repository' });
    expect(refused.ok ? '' : refused.message).toContain('core.fsmonitor in .git/config runs a program');
  });

  it('refuses another server writing or deleting inside a git directory, and lets it read there', async () => {
    const write = (path: string, role: ArgumentRole) =>
      screenRepositories(
        {
          serverName: 'filesystem',
          canonicalArguments: { path },
          roles: roles({ path: [role] }),
          sandboxDir: sandbox,
        },
        deps('safe'),
      );
    expect(await write(join(sandbox, 'repo', '.git', 'config'), 'write-path')).toMatchObject({
      ok: false,
      reason: 'git-directory-write',
    });
    expect(await write(join(sandbox, 'repo', '.git', 'hooks'), 'delete-path')).toMatchObject({ ok: false });
    expect(await write(join(sandbox, 'repo', '.git'), 'write-path')).toMatchObject({ ok: false });
    expect(await write(join(sandbox, 'repo', '.git', 'config'), 'read-path')).toEqual({ ok: true });
    expect(await write(join(sandbox, 'repo', 'README.md'), 'write-path')).toEqual({ ok: true });
    expect(inspected).toEqual([]);
  });
});

describe('a session\u2019s git calls and writes take turns', () => {
  const gitOnly = { isGitServer: (serverName: string) => serverName === 'git' };
  const call = (serverName: string, role: ArgumentRole, sessionId = 's1') => ({
    sessionId,
    serverName,
    canonicalArguments: { path: join(sandbox, 'repo') },
    roles: roles({ path: [role] }),
    sandboxDir: sandbox,
  });

  it('runs a write only after the git call in flight, while reads and other sessions go ahead', async () => {
    const locks = createSessionLocks();
    const events: string[] = [];
    let finishGit: () => void = () => undefined;
    const gitCall = runInRepositoryTurn(call('git', 'read-path'), { ...gitOnly, locks }, async () => {
      events.push('git starts');
      await new Promise<void>((resolve) => (finishGit = resolve));
      events.push('git ends');
    });
    const write = runInRepositoryTurn(call('filesystem', 'write-path'), { ...gitOnly, locks }, async () => {
      events.push('write');
    });
    const read = runInRepositoryTurn(call('filesystem', 'read-path'), { ...gitOnly, locks }, async () => {
      events.push('read');
    });
    const otherSession = runInRepositoryTurn(
      call('filesystem', 'write-path', 's2'),
      { ...gitOnly, locks },
      async () => {
        events.push('other session write');
      },
    );
    await Promise.all([read, otherSession]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([...events].sort()).toEqual(['git starts', 'other session write', 'read']);
    finishGit();
    await Promise.all([gitCall, write]);
    expect(events.slice(3)).toEqual(['git ends', 'write']);
  });

  it('keeps the turns going after a call fails', async () => {
    const locks = createSessionLocks();
    const failing = runInRepositoryTurn(call('git', 'read-path'), { ...gitOnly, locks }, async () => {
      throw new Error('git failed');
    });
    await expect(failing).rejects.toThrow('git failed');
    await expect(
      runInRepositoryTurn(call('git', 'read-path'), { ...gitOnly, locks }, async () => 'next'),
    ).resolves.toBe('next');
  });
});

describe('repositoryRoots', () => {
  it('are the sandbox and the grants of the server, with their parents as git discovery ceilings', () => {
    mkdirSync(join(root, 'home', 'Documents'), { recursive: true });
    const bounds = repositoryRoots(
      {
        filesystem: {
          allowRead: ['${IRONCURTAIN_SANDBOX}', '~/Documents'],
          allowWrite: [],
          denyRead: [],
          denyWrite: [],
        },
      },
      { sandboxDir: sandbox, homeDir: join(root, 'home') },
    );
    expect(bounds).toEqual({
      roots: [sandbox, join(root, 'home', 'Documents')],
      ceilings: [root, join(root, 'home')],
    });
    expect(repositoryRoots(undefined, { sandboxDir: sandbox, homeDir: root })).toEqual({
      roots: [sandbox],
      ceilings: [root],
    });
  });
});
