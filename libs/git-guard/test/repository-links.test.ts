import { spawnSync } from 'node:child_process';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, problemsOf, type Workspace } from './git-fixture.js';

let workspace: Workspace;
let outsideRepository: string;
beforeAll(async () => {
  workspace = await createWorkspace();
  outsideRepository = join(workspace.outside, 'secret');
  await mkdir(outsideRepository);
  workspace.git(outsideRepository, 'init', '-q');
  workspace.git(outsideRepository, 'commit', '-q', '--allow-empty', '-m', 'secret');
});
afterAll(async () => {
  await workspace.remove();
});

async function problemsFor(directory: string): Promise<string> {
  return problemsOf(await workspace.inspect(directory)).join('\n');
}

describe('where a repository leads', () => {
  it('refuses a .git file whose gitdir: is outside the sandbox', async () => {
    const directory = join(workspace.sandbox, 'gitfile-absolute');
    await workspace.write(join(directory, '.git'), `gitdir: ${outsideRepository}/.git\n`);
    expect(await problemsFor(directory)).toContain(
      `${outsideRepository}/.git is outside the session sandbox`,
    );
  });

  it('refuses a relative gitdir: ../../.. that climbs out of the sandbox', async () => {
    const directory = join(workspace.sandbox, 'gitfile-relative', 'deep');
    await workspace.write(join(directory, '.git'), 'gitdir: ../../../outside/secret/.git\n');
    expect(await problemsFor(directory)).toContain('outside the session sandbox');
  });

  it('follows a relative gitdir: inside the sandbox, as git does (a submodule-style .git file)', async () => {
    const repository = await workspace.initRepository('gitfile-target');
    const directory = join(workspace.sandbox, 'gitfile-inside');
    await workspace.write(join(directory, '.git'), 'gitdir: ../gitfile-target/.git\n');
    const verdict = await workspace.inspect(directory);
    expect(verdict).toMatchObject({ kind: 'safe', gitDir: join(repository, '.git'), workTree: directory });
    expect(workspace.safeGit(directory, 'rev-parse', '--absolute-git-dir').stdout.trim()).toBe(
      join(repository, '.git'),
    );
  });

  it('refuses a .git file git would die on (not a repository, bad format, FIFO target)', async () => {
    const notRepository = join(workspace.sandbox, 'gitfile-broken');
    await workspace.write(join(notRepository, '.git'), 'gitdir: /nonexistent\n');
    expect(await problemsFor(notRepository)).toContain('not a git directory');
    const badFormat = join(workspace.sandbox, 'gitfile-format');
    await workspace.write(join(badFormat, '.git'), 'gitdir:/x\n');
    expect(await problemsFor(badFormat)).toContain('does not start with "gitdir: "');
    expect(workspace.safeGit(badFormat, 'status').stderr).toContain('invalid gitfile format');
  });

  it('refuses a commondir that points outside', async () => {
    const directory = await workspace.initRepository('commondir');
    await writeFile(join(directory, '.git', 'commondir'), `${outsideRepository}/.git\n`);
    expect(await problemsFor(directory)).toContain(
      `${outsideRepository}/.git is outside the session sandbox`,
    );
  });

  it('refuses alternates outside the sandbox: absolute, relative and C-quoted', async () => {
    const directory = await workspace.initRepository('alternates');
    const alternates = join(directory, '.git', 'objects', 'info', 'alternates');
    for (const entry of [
      `${outsideRepository}/.git/objects`,
      '../../../../outside/secret/.git/objects',
      `"${outsideRepository}/.git/obj\\145cts"`,
    ]) {
      await writeFile(alternates, `# a comment\n${entry}\n`);
      expect(await problemsFor(directory)).toContain(
        `${outsideRepository}/.git/objects is outside the session sandbox`,
      );
    }
  });

  it('follows alternates of alternates', async () => {
    const first = await workspace.initRepository('alternate-first');
    const second = await workspace.initRepository('alternate-second');
    await writeFile(join(first, '.git', 'objects', 'info', 'alternates'), `${second}/.git/objects\n`);
    expect((await workspace.inspect(first)).kind).toBe('safe');
    await writeFile(
      join(second, '.git', 'objects', 'info', 'alternates'),
      `${outsideRepository}/.git/objects\n`,
    );
    expect(await problemsFor(first)).toContain('outside the session sandbox');
  });

  it('refuses http-alternates, which a local repository never needs', async () => {
    const directory = await workspace.initRepository('http-alternates');
    await writeFile(
      join(directory, '.git', 'objects', 'info', 'http-alternates'),
      'https://example.com/objects\n',
    );
    expect(await problemsFor(directory)).toContain('http-alternates');
  });

  it('refuses a .git symlinked to a repository outside', async () => {
    const directory = join(workspace.sandbox, 'symlinked-dot-git');
    await mkdir(directory);
    await symlink(join(outsideRepository, '.git'), join(directory, '.git'));
    expect(await problemsFor(directory)).toContain('outside the session sandbox');
  });

  it('refuses a .git file that is a symlink to a file outside, even when it names a repository inside', async () => {
    const repository = await workspace.initRepository('gitfile-link-target');
    const directory = join(workspace.sandbox, 'gitfile-link');
    await mkdir(directory);
    await writeFile(join(workspace.outside, 'planted-gitfile'), `gitdir: ${repository}/.git\n`);
    await symlink(join(workspace.outside, 'planted-gitfile'), join(directory, '.git'));
    expect(await problemsFor(directory)).toContain(`the .git entry ${directory}/.git`);
    await rm(join(directory, '.git'));
    await symlink(join(repository, '.git'), join(directory, '.git'));
    expect(await workspace.inspect(directory)).toMatchObject({
      kind: 'safe',
      gitDir: join(repository, '.git'),
    });
  });

  it('refuses symlinks inside the git directory that lead outside (objects, refs, index)', async () => {
    const directory = await workspace.initRepository('symlinked-objects');
    const pack = join(directory, '.git', 'objects', 'pack');
    await rm(pack, { recursive: true });
    await symlink(join(outsideRepository, '.git', 'objects', 'pack'), pack);
    expect(await problemsFor(directory)).toContain(`${pack} is a symlink to`);
    await rm(pack);
    await mkdir(pack);
    await symlink('/etc/passwd', join(directory, '.git', 'FETCH_HEAD'));
    expect(await problemsFor(directory)).toContain('FETCH_HEAD is a symlink to /etc/passwd');
  });

  it('walks symlinked directories inside the sandbox for symlinks that lead further out', async () => {
    const directory = await workspace.initRepository('symlink-chain');
    const elsewhere = join(workspace.sandbox, 'elsewhere-refs');
    await mkdir(elsewhere);
    await symlink('/etc/passwd', join(elsewhere, 'stolen'));
    await symlink(elsewhere, join(directory, '.git', 'refs', 'heads', 'more'));
    expect(await problemsFor(directory)).toContain(
      `${join(elsewhere, 'stolen')} is a symlink to /etc/passwd`,
    );
  });

  it('refuses a FIFO anywhere in the git directory, and a FIFO HEAD without hanging', async () => {
    const directory = await workspace.initRepository('fifo-head');
    await rm(join(directory, '.git', 'HEAD'));
    expect(spawnSync('mkfifo', [join(directory, '.git', 'HEAD')]).status).toBe(0);
    const started = Date.now();
    expect(await problemsFor(directory)).toContain('HEAD is not a regular file');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('finds a linked worktree made by git worktree add safe, and its main repository too', async () => {
    const main = await workspace.initRepository('worktree-main');
    const linked = join(workspace.sandbox, 'worktree-linked');
    workspace.git(main, 'worktree', 'add', '-q', '-b', 'feature', linked);
    expect(await workspace.inspect(linked)).toEqual({
      kind: 'safe',
      gitDir: join(main, '.git', 'worktrees', 'worktree-linked'),
      commonDir: join(main, '.git'),
      workTree: linked,
    });
    expect((await workspace.inspect(main)).kind).toBe('safe');
  });

  it('refuses a linked worktree recorded outside, and a bad config.worktree of another worktree', async () => {
    const main = await workspace.initRepository('worktree-outside');
    const linked = join(workspace.sandbox, 'worktree-outside-linked');
    workspace.git(main, 'worktree', 'add', '-q', '-b', 'other', linked);
    const administration = join(main, '.git', 'worktrees', 'worktree-outside-linked');
    await writeFile(join(administration, 'config.worktree'), '[core]\n\tfsmonitor = touch x\n');
    expect(await problemsFor(main)).toContain(`${administration}/config.worktree: core.fsmonitor`);
    await rm(join(administration, 'config.worktree'));
    await writeFile(join(administration, 'gitdir'), `${workspace.outside}/wt/.git\n`);
    expect(await problemsFor(main)).toContain('the linked worktree it records');
    await writeFile(join(administration, 'gitdir'), `${linked}/.git\n`);
    await writeFile(join(administration, 'commondir'), `${outsideRepository}/.git\n`);
    expect(await problemsFor(linked)).toContain('outside the session sandbox');
  });

  it('refuses a repository whose HEAD git cannot use as the repository above', async () => {
    const directory = await workspace.initRepository('moved-git');
    await rename(join(directory, '.git', 'HEAD'), join(directory, '.git', 'HEAD.old'));
    expect(await workspace.inspect(directory)).toEqual({ kind: 'no-repository' });
    expect(workspace.safeGit(directory, 'status').stderr).toContain('not a git repository');
  });
});
