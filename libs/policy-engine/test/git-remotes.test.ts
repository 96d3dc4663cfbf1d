// POLICY-SEMANTICS.md, "git-remote-url" canonical form and "Effective git remote before the checks", on real repos.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseGitRemote, parseGitRemoteUrl, resolveEffectiveGitRemote } from '../src/index.js';
import { git, initRepository, temporaryDirectory } from './helpers.js';

describe('git-remote-url canonical form: host/owner/repo (https and ssh forms equal)', () => {
  it('https, scp-like ssh, ssh://, git://, with or without .git, all give the same canonical form', () => {
    const forms = [
      'https://github.com/Me/App.git',
      'https://github.com/me/app',
      'https://user:token@github.com/me/app.git/',
      'git@github.com:me/app.git',
      'github.com:me/app',
      'ssh://git@github.com/me/app.git',
      'ssh://git@github.com:22/me/app',
      'git+ssh://git@github.com/me/app',
      'git://github.com/me/app.git',
    ];
    for (const form of forms) expect(parseGitRemoteUrl(form)?.canonical, form).toBe('github.com/me/app');
  });

  it("keeps nested groups, drops ports (host:2222/… is git's scp syntax); hostnames go through IDN", () => {
    expect(parseGitRemoteUrl('ssh://git@git.corp.example:2222/group/sub/repo.git')?.canonical).toBe(
      'git.corp.example/group/sub/repo',
    );
    expect(parseGitRemoteUrl('https://bücher.example/me/app')?.host).toBe('xn--bcher-kva.example');
  });

  it('named remotes, local paths, file:// and odd URLs are not remote URLs', () => {
    for (const value of [
      'origin',
      'team/upstream',
      '/srv/repo.git',
      './repo',
      'file:///srv/repo',
      'https://github.com/',
      'https://github.com/a/../b',
      'https://github.com/a/b?x=1',
      'https://github.com\\evil.com/a/b',
      'git@github.com:a/b\u0000',
    ]) {
      expect(parseGitRemoteUrl(value), value).toBeUndefined();
    }
  });

  it('the canonical form reads back as itself', () => {
    expect(parseGitRemote('github.com/me/app')?.canonical).toBe('github.com/me/app');
    expect(parseGitRemote('git.corp.example/group/sub/repo')?.canonical).toBe(
      'git.corp.example/group/sub/repo',
    );
    expect(parseGitRemote('team/upstream')).toBeUndefined();
  });
});

describe('Effective git remote (read from .git/config, never by running git)', () => {
  let repository: string;
  beforeEach(() => {
    repository = initRepository(temporaryDirectory());
    git(repository, 'remote', 'add', 'origin', 'https://github.com/me/app.git');
  });

  const resolved = (path: string, requested?: string) => {
    const result = resolveEffectiveGitRemote(path, requested);
    return result.ok ? result.remote.canonical : `error: ${result.reason}`;
  };

  it('the named remote', () => {
    git(repository, 'remote', 'add', 'upstream', 'git@gitlab.com:team/app.git');
    expect(resolved(repository, 'upstream')).toBe('gitlab.com/team/app');
    expect(resolved(repository, 'origin')).toBe('github.com/me/app');
  });

  it('a URL is taken as a URL', () => {
    expect(resolved(repository, 'https://gitlab.com/x/y.git')).toBe('gitlab.com/x/y');
  });

  it("else the branch's tracking remote (branch.<name>.remote)", () => {
    git(repository, 'remote', 'add', 'upstream', 'git@gitlab.com:team/app.git');
    git(repository, 'config', 'branch.main.remote', 'upstream');
    expect(resolved(repository)).toBe('gitlab.com/team/app');
  });

  it('else origin', () => {
    expect(resolved(repository)).toBe('github.com/me/app');
  });

  it('from a subdirectory of the repository', () => {
    mkdirSync(join(repository, 'src', 'deep'), { recursive: true });
    expect(resolved(join(repository, 'src', 'deep'))).toBe('github.com/me/app');
  });

  it('a detached HEAD uses origin', () => {
    git(repository, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--allow-empty', '-qm', 'one');
    git(repository, 'checkout', '-q', '--detach');
    expect(resolved(repository)).toBe('github.com/me/app');
  });

  it("a linked worktree (a .git file with gitdir:) reads the main repository's config", () => {
    git(repository, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--allow-empty', '-qm', 'one');
    const worktree = join(temporaryDirectory(), 'wt');
    git(repository, 'worktree', 'add', '-q', '-b', 'feature', worktree);
    git(repository, 'remote', 'add', 'upstream', 'https://gitlab.com/team/app.git');
    git(repository, 'config', 'branch.feature.remote', 'upstream');
    expect(resolved(worktree)).toBe('gitlab.com/team/app');
  });

  it('a named remote that cannot be resolved is an error', () => {
    expect(resolved(repository, 'nosuchremote')).toMatch(
      /^error: "nosuchremote" is neither a remote configured/,
    );
    expect(resolved(temporaryDirectory(), 'origin')).toMatch(/^error: no git repository/);
  });

  it('a tracking remote that is not configured is an error (git would take it as a path)', () => {
    git(repository, 'config', 'branch.main.remote', '../elsewhere');
    expect(resolved(repository)).toMatch(/^error: remote "\.\.\/elsewhere" is not configured/);
  });

  it('a remote URL that is a local path is an error', () => {
    git(repository, 'remote', 'set-url', 'origin', '/srv/mirror.git');
    expect(resolved(repository)).toMatch(/local path/);
  });

  it('push and fetch going to different repositories is ambiguous: an error', () => {
    git(repository, 'remote', 'add', 'evil', 'https://evil.example/x/y.git');
    git(repository, 'config', 'remote.pushDefault', 'evil');
    expect(resolved(repository)).toMatch(/^error: the remote is ambiguous/);
    git(repository, 'config', '--unset', 'remote.pushDefault');
    git(repository, 'config', 'remote.origin.pushurl', 'https://evil.example/x/y.git');
    expect(resolved(repository)).toMatch(/^error: the remote is ambiguous/);
  });

  it('url.<base>.insteadOf rewriting in the repository config is applied', () => {
    git(repository, 'config', 'url.https://evil.example/.insteadOf', 'https://github.com/');
    expect(resolved(repository)).toBe('evil.example/me/app');
    expect(resolved(repository, 'https://github.com/other/repo')).toBe('evil.example/other/repo');
  });

  it('a config that includes other files is refused', () => {
    git(repository, 'config', 'include.path', '/tmp/elsewhere.gitconfig');
    expect(resolved(repository)).toMatch(/includes other files/);
  });

  it('a FIFO planted as .git/config cannot hang resolution', () => {
    const fifoRepository = temporaryDirectory();
    mkdirSync(join(fifoRepository, '.git'));
    writeFileSync(join(fifoRepository, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    expect(spawnSync('mkfifo', [join(fifoRepository, '.git', 'config')]).status).toBe(0);
    expect(resolved(fifoRepository)).toMatch(/not a regular file/);
  });
});

describe('Effective git remote: a repository config cannot make us run anything', () => {
  it('core.fsmonitor and core.sshCommand are never executed (and git itself would run them)', () => {
    const repository = initRepository(temporaryDirectory());
    const markers = temporaryDirectory();
    const fsmonitorMarker = join(markers, 'fsmonitor-ran');
    const sshMarker = join(markers, 'ssh-ran');
    git(repository, 'remote', 'add', 'origin', 'ssh://git@example.invalid/me/app.git');
    git(repository, 'config', 'core.fsmonitor', `touch ${fsmonitorMarker}`);
    git(repository, 'config', 'core.sshCommand', `touch ${sshMarker}`);
    git(repository, 'config', 'core.pager', `touch ${sshMarker}`);

    expect(resolveEffectiveGitRemote(repository)).toMatchObject({
      ok: true,
      remote: { canonical: 'example.invalid/me/app' },
    });
    expect(resolveEffectiveGitRemote(repository, 'origin')).toMatchObject({ ok: true });
    expect(existsSync(fsmonitorMarker)).toBe(false);
    expect(existsSync(sshMarker)).toBe(false);
    expect(readdirSync(markers)).toEqual([]);

    // Control: the same config does run commands when git is run in that repository.
    spawnSync('git', ['status'], {
      cwd: repository,
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
    });
    expect(existsSync(fsmonitorMarker)).toBe(true);
    spawnSync('git', ['ls-remote', 'origin'], {
      cwd: repository,
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
    });
    expect(existsSync(sshMarker)).toBe(true);
  });
});
