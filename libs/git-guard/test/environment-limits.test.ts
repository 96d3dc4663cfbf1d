import { mkdir, writeFile } from 'node:fs/promises';
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

const repositoryWithConfig = (text: string) => workspace.repositoryWithConfig('limits', text);

/** The same settings with one more command-scope entry appended (the last one read wins). */
function withExtraSetting(key: string, value: string): Record<string, string> {
  const count = Number(workspace.safety.GIT_CONFIG_COUNT);
  return {
    ...workspace.safety,
    GIT_CONFIG_COUNT: String(count + 1),
    [`GIT_CONFIG_KEY_${count}`]: key,
    [`GIT_CONFIG_VALUE_${count}`]: value,
  };
}

describe('what only the inspector stops', () => {
  it('no command-scope value of diff.external both disables it and keeps git diff working', async () => {
    const directory = await workspace.initRepository('diff-external-values');
    await writeFile(join(directory, 'readme.txt'), 'hello\nchanged\n');
    expect(workspace.safeGit(directory, 'diff').stdout).toContain('+changed');
    for (const value of ['', ':', 'true', 'false', 'cat', 'git diff --no-ext-diff']) {
      const outcome = workspace.gitWith(withExtraSetting('diff.external', value), directory, 'diff');
      const isWorkingDiff =
        outcome.status === 0 &&
        outcome.stdout.includes('+changed') &&
        outcome.stdout.startsWith('diff --git');
      expect({ value, isWorkingDiff }).toEqual({ value, isWorkingDiff: false });
    }
  });

  it('a repository diff.external still runs under the environment; the inspector refuses it', async () => {
    const { command, path } = workspace.marker('diff-external');
    const directory = await repositoryWithConfig(`[diff]\n\texternal = ${command}\n`);
    await writeFile(join(directory, 'readme.txt'), 'changed\n');
    workspace.safeGit(directory, 'diff');
    expect(markerExists(path)).toBe(true);
    expect(problemsOf(await workspace.inspect(directory)).join('\n')).toContain('diff.external');
  });

  it('a filter the repository names runs under the environment on git add; the inspector refuses it', async () => {
    const { command, path } = workspace.marker('filter-clean');
    const directory = await repositoryWithConfig(`[filter "x"]\n\tclean = "${command}; cat"\n`);
    await writeFile(join(directory, '.gitattributes'), '* filter=x\n');
    workspace.safeGit(directory, 'add', '.gitattributes');
    expect(markerExists(path)).toBe(true);
    expect(problemsOf(await workspace.inspect(directory)).join('\n')).toContain('filter.x.clean');
  });

  it('remote.<name>.uploadpack runs on a local fetch under the environment; the inspector refuses it', async () => {
    const source = await workspace.initRepository('uploadpack-source');
    const { command, path } = workspace.marker('uploadpack');
    const config = `[remote "origin"]\n\turl = ${source}\n\tuploadpack = "${command}; git-upload-pack"\n`;
    const directory = await repositoryWithConfig(config);
    workspace.safeGit(directory, 'fetch', 'origin');
    expect(markerExists(path)).toBe(true);
    expect(problemsOf(await workspace.inspect(directory)).join('\n')).toContain('remote.origin.uploadpack');
  });

  it('core.worktree leaks a file outside under the environment; the inspector refuses it', async () => {
    const secretDirectory = join(workspace.outside, 'etc');
    await mkdir(secretDirectory);
    await writeFile(join(secretDirectory, 'passwd'), 'root:TOPSECRET\n');
    const directory = await repositoryWithConfig(`[core]\n\tworktree = ${secretDirectory}\n`);
    workspace.safeGit(directory, 'add', 'passwd');
    expect(workspace.safeGit(directory, 'diff', '--staged').stdout).toContain('TOPSECRET');
    expect(problemsOf(await workspace.inspect(directory)).join('\n')).toContain('core.worktree');
  });

  it('blame.ignoreRevsFile: an empty command-scope value does not reset it in git 2.39; the inspector refuses it', async () => {
    await writeFile(join(workspace.outside, 'revs'), 'TOPSECRET line\n');
    const directory = await repositoryWithConfig(`[blame]\n\tignoreRevsFile = ${workspace.outside}/revs\n`);
    const outcome = workspace.gitWith(
      withExtraSetting('blame.ignoreRevsFile', ''),
      directory,
      'blame',
      'readme.txt',
    );
    expect(outcome.stderr).toContain('TOPSECRET');
    expect(problemsOf(await workspace.inspect(directory)).join('\n')).toContain('blame.ignorerevsfile');
  });
});

describe('attributes are inert without driver config', () => {
  it('runs nothing for .gitattributes naming drivers: only config defines them, and the environment drops global config', async () => {
    const { command, path } = workspace.marker('attributes-driver');
    const globalConfig = join(workspace.base, 'home', 'drivers.gitconfig');
    const driver = `"${command}; cat"`;
    await writeFile(globalConfig, `[filter "x"]\n\tclean = ${driver}\n[diff "x"]\n\ttextconv = ${driver}\n`);
    const directory = await workspace.initRepository('attributes');
    await writeFile(join(directory, '.gitattributes'), '* filter=x diff=x merge=x\n');
    await mkdir(join(directory, '.git', 'info'), { recursive: true });
    await writeFile(join(directory, '.git', 'info', 'attributes'), '* filter=x diff=x\n');
    await writeFile(join(directory, 'readme.txt'), 'changed\n');
    expect((await workspace.inspect(directory)).kind).toBe('safe');
    // The user's global config defines the drivers; the safety environment, merged over it, drops it.
    const safeEnvironment = { GIT_CONFIG_GLOBAL: globalConfig, ...workspace.safety };
    for (const args of [['diff'], ['add', '.'], ['commit', '-q', '-m', 'attributes'], ['status']]) {
      expect(workspace.gitWith(safeEnvironment, directory, ...args).status).toBe(0);
    }
    expect(markerExists(path)).toBe(false);
    await writeFile(join(directory, 'readme.txt'), 'changed again\n');
    workspace.gitWith({ GIT_CONFIG_GLOBAL: globalConfig }, directory, 'diff');
    expect(markerExists(path)).toBe(true);
  });
});
