import { appendFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, markerExists, problemsOf, type Workspace } from './git-fixture.js';

let workspace: Workspace;
beforeAll(async () => {
  workspace = await createWorkspace();
});
afterAll(async () => {
  await workspace.remove();
});

/** Makes git re-read a file's content (same size, new mtime), so the clean filter of its repository runs. */
async function touchInFuture(path: string): Promise<void> {
  const later = new Date(Date.now() + 60_000);
  await utimes(path, later, later);
}

describe('submodules', () => {
  it('refuses an embedded repository in the index whose config names a filter (git status runs it there)', async () => {
    const superproject = await workspace.initRepository('embedded-super');
    const embedded = await workspace.initRepository('embedded-super/vendor');
    const { command, path } = workspace.marker('embedded-filter');
    await appendFile(join(embedded, '.git', 'config'), `[filter "x"]\n\tclean = "${command}; cat"\n`);
    await writeFile(join(embedded, '.gitattributes'), '* filter=x\n');
    workspace.git(superproject, 'add', 'vendor');
    workspace.git(superproject, 'commit', '-q', '-m', 'vendor');
    const verdict = await workspace.inspect(superproject);
    expect(problemsOf(verdict).join('\n')).toContain(`${embedded}/.git/config: filter.x.clean`);
    // The reason the inspector looks: the safety environment alone does not stop a driver the repository names.
    await touchInFuture(join(embedded, 'readme.txt'));
    workspace.safeGit(superproject, 'status');
    expect(markerExists(path)).toBe(true);
  });

  it('finds a real submodule safe: its git directory under modules/ and the core.worktree git wrote', async () => {
    const library = await workspace.initRepository('library');
    const superproject = await workspace.initRepository('with-submodule');
    workspace.git(superproject, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', library, 'lib');
    workspace.git(superproject, 'commit', '-q', '-m', 'add lib');
    const submoduleConfig = workspace.git(
      superproject,
      'config',
      '--file',
      '.git/modules/lib/config',
      'core.worktree',
    );
    expect(submoduleConfig.trim()).toBe('../../../lib');
    expect(await workspace.inspect(superproject)).toMatchObject({ kind: 'safe', workTree: superproject });
    expect(await workspace.inspect(join(superproject, 'lib'))).toEqual({
      kind: 'safe',
      gitDir: join(superproject, '.git', 'modules', 'lib'),
      commonDir: join(superproject, '.git', 'modules', 'lib'),
      workTree: join(superproject, 'lib'),
    });
  });

  it('refuses a submodule whose git directory names a program or moves its work tree', async () => {
    const library = await workspace.initRepository('library-2');
    const superproject = await workspace.initRepository('with-bad-submodule');
    workspace.git(superproject, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', library, 'lib');
    const moduleConfig = join(superproject, '.git', 'modules', 'lib', 'config');
    await appendFile(moduleConfig, '[diff "x"]\n\ttextconv = touch x\n');
    expect(problemsOf(await workspace.inspect(superproject)).join('\n')).toContain(
      `${moduleConfig}: diff.x.textconv`,
    );
    const original = workspace
      .git(superproject, 'config', '--file', moduleConfig, '--get', 'core.worktree')
      .trim();
    workspace.git(superproject, 'config', '--file', moduleConfig, '--unset', 'diff.x.textconv');
    workspace.git(superproject, 'config', '--file', moduleConfig, 'core.worktree', '../../../..');
    const fromInside = problemsOf(await workspace.inspect(join(superproject, 'lib'))).join('\n');
    expect(fromInside).toContain('moves the work tree away from');
    workspace.git(superproject, 'config', '--file', moduleConfig, 'core.worktree', workspace.outside);
    expect(problemsOf(await workspace.inspect(superproject)).join('\n')).toContain('moves the work tree to');
    workspace.git(superproject, 'config', '--file', moduleConfig, 'core.worktree', original);
    expect((await workspace.inspect(superproject)).kind).toBe('safe');
  });

  it('refuses a gitlink whose directory holds a .git file pointing outside', async () => {
    const superproject = await workspace.initRepository('gitlink-outside');
    const embedded = await workspace.initRepository('gitlink-outside/dep');
    workspace.git(superproject, 'add', 'dep');
    workspace.git(superproject, 'commit', '-q', '-m', 'dep');
    const secret = join(workspace.outside, 'dep-secret');
    workspace.git(workspace.outside, 'init', '-q', secret);
    await workspace.write(join(embedded, '.git.file'), `gitdir: ${secret}/.git\n`);
    await rm(join(embedded, '.git'), { recursive: true });
    await rename(join(embedded, '.git.file'), join(embedded, '.git'));
    expect(problemsOf(await workspace.inspect(superproject)).join('\n')).toContain(
      `${secret}/.git is outside`,
    );
  });
});
