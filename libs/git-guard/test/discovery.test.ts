import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectRepository } from '@ironcurtain/git-guard';
import { createWorkspace, markerExists, problemsOf, type Workspace } from './git-fixture.js';

let workspace: Workspace;
beforeAll(async () => {
  workspace = await createWorkspace();
});
afterAll(async () => {
  await workspace.remove();
});

/**
 * The git directory git itself finds from `directory` (same ceiling), or undefined when it finds none. Without the
 * safety environment, so that git also reports the bare repositories safe.bareRepository=explicit would refuse.
 */
function gitDirectoryGitUses(directory: string): string | undefined {
  const outcome = workspace.plainGit(directory, 'rev-parse', '--absolute-git-dir');
  return outcome.status === 0 ? outcome.stdout.trim() : undefined;
}

describe('repository discovery, compared with git', () => {
  it('agrees with git on nested layouts', async () => {
    const outer = await workspace.initRepository('outer');
    const inner = await workspace.initRepository('outer/sub/inner');
    await mkdir(join(inner, 'a', 'b'), { recursive: true });
    await mkdir(join(outer, 'plain', 'deeper'), { recursive: true });
    await mkdir(join(outer, 'not-a-repository', '.git'), { recursive: true });
    const linkedDirectory = join(workspace.sandbox, 'link-to-inner');
    await symlink(join(inner, 'a'), linkedDirectory);
    for (const directory of [
      outer,
      join(outer, 'plain', 'deeper'),
      join(outer, 'sub'),
      inner,
      join(inner, 'a', 'b'),
      join(outer, 'not-a-repository'),
      join(outer, '.git'),
      join(outer, '.git', 'objects'),
      linkedDirectory,
      workspace.sandbox,
    ]) {
      const verdict = await workspace.inspect(directory);
      const inspected = verdict.kind === 'safe' ? verdict.gitDir : undefined;
      expect({ directory, gitDir: inspected }).toEqual({ directory, gitDir: gitDirectoryGitUses(directory) });
    }
    expect(workspace.safeGit(join(outer, '.git'), 'status').stderr).toContain('cannot use bare repository');
  });

  it('reports no repository for a directory that does not exist yet under no repository (git init, clone)', async () => {
    const target = join(workspace.sandbox, 'fresh', 'clone-target');
    expect(await workspace.inspect(target)).toEqual({ kind: 'no-repository' });
  });

  it('inspects the repository above a directory that does not exist yet', async () => {
    const directory = await workspace.initRepository('has-new-child');
    await writeFile(join(directory, '.git', 'config.worktree'), '[core]\n\tfsmonitor = x\n');
    expect(problemsOf(await workspace.inspect(join(directory, 'new', 'child'))).join('\n')).toContain(
      'fsmonitor',
    );
  });

  it('respects the ceiling like git: a repository above it is not found', async () => {
    const top = join(workspace.outside, 'ceiling-test');
    await mkdir(join(top, 'sandbox', 'work'), { recursive: true });
    workspace.git(top, 'init', '-q');
    await writeFile(join(top, '.git', 'config'), '[core]\n\tfsmonitor = touch x\n');
    const options = { allowedRoots: [join(top, 'sandbox')], ceilingDirectories: [top] };
    expect(await inspectRepository(join(top, 'sandbox', 'work'), options)).toEqual({ kind: 'no-repository' });
    expect(await inspectRepository(join(top, 'sandbox'), options)).toEqual({ kind: 'no-repository' });
  });

  it('like git, does not stop at a ceiling equal to the start directory, and refuses what it then finds', async () => {
    const top = join(workspace.outside, 'ceiling-equal');
    await mkdir(join(top, 'sandbox'), { recursive: true });
    workspace.git(top, 'init', '-q');
    const sandbox = join(top, 'sandbox');
    const verdict = await inspectRepository(sandbox, {
      allowedRoots: [sandbox],
      ceilingDirectories: [sandbox],
    });
    expect(problemsOf(verdict).join('\n')).toContain(`the work tree of the repository found at ${top}/.git`);
    const outcome = workspace.plainGit(sandbox, 'rev-parse', '--absolute-git-dir');
    expect(outcome.stdout.trim()).toBe(join(top, '.git'));
  });

  it('refuses a directory outside the allowed roots', async () => {
    expect(problemsOf(await workspace.inspect(workspace.outside)).join('\n')).toContain(
      'outside the session sandbox',
    );
  });

  it('inspects a bare repository planted in the directory, which git (safe.bareRepository=explicit) refuses to use', async () => {
    const planted = join(workspace.sandbox, 'planted-bare');
    await mkdir(planted);
    workspace.git(planted, 'init', '-q', '--bare');
    const { command, path } = workspace.marker('bare-fsmonitor');
    await writeFile(join(planted, 'config'), `[core]\n\tbare = true\n\tfsmonitor = ${command}\n`);
    const problems = problemsOf(await workspace.inspect(planted));
    expect(problems.join('\n')).toContain(`${planted}/config: core.fsmonitor`);
    const outcome = workspace.safeGit(planted, 'log');
    expect(outcome.stderr).toContain('cannot use bare repository');
    expect(markerExists(path)).toBe(false);
  });

  it('finds a clean bare repository safe, without a work tree', async () => {
    const bare = join(workspace.sandbox, 'clean-bare.git');
    await mkdir(bare);
    workspace.git(bare, 'init', '-q', '--bare');
    expect(await workspace.inspect(bare)).toEqual({ kind: 'safe', gitDir: bare, commonDir: bare });
  });

  it('finds repositories made by clone, remote add and branch --set-upstream-to safe', async () => {
    const source = await workspace.initRepository('clone-source');
    workspace.git(workspace.sandbox, 'clone', '-q', source, 'cloned');
    const cloned = join(workspace.sandbox, 'cloned');
    workspace.git(cloned, 'remote', 'add', 'upstream', 'https://github.com/example/project.git');
    workspace.git(cloned, 'remote', 'add', 'mirror', 'git@github.com:example/project.git');
    workspace.git(cloned, 'branch', 'topic');
    workspace.git(cloned, 'branch', '--set-upstream-to=origin/main', 'topic');
    workspace.git(cloned, 'config', 'user.name', 'Ada');
    expect(await workspace.inspect(cloned)).toMatchObject({ kind: 'safe', workTree: cloned });
    workspace.git(workspace.sandbox, 'clone', '-q', '--mirror', source, 'mirrored.git');
    expect((await workspace.inspect(join(workspace.sandbox, 'mirrored.git'))).kind).toBe('safe');
  });

  it('refuses a clone whose origin is a repository outside the sandbox', async () => {
    const source = join(workspace.outside, 'origin');
    await mkdir(source);
    workspace.git(source, 'init', '-q');
    workspace.git(source, 'commit', '-q', '--allow-empty', '-m', 'x');
    workspace.git(workspace.sandbox, 'clone', '-q', source, 'from-outside');
    const problems = problemsOf(await workspace.inspect(join(workspace.sandbox, 'from-outside')));
    expect(problems.join('\n')).toContain('remote.origin.url');
  });

  it('refuses a .git directory that git would ignore while a repository above it exists', async () => {
    const outer = await workspace.initRepository('ignored-inner');
    const inner = join(outer, 'inner');
    await mkdir(join(inner, '.git'), { recursive: true });
    await writeFile(join(inner, '.git', 'HEAD'), 'not a ref\n');
    const verdict = await workspace.inspect(inner);
    expect(verdict).toMatchObject({ kind: 'safe', gitDir: join(outer, '.git') });
    expect(gitDirectoryGitUses(inner)).toBe(join(outer, '.git'));
    await rename(join(outer, '.git'), join(outer, '.git-away'));
    expect(await workspace.inspect(inner)).toEqual({ kind: 'no-repository' });
  });
});
