import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodeOf } from '@ironcurtain/errors';
import { allowedKeys, gitSafetyEnvironment, inspectRepository } from '@ironcurtain/git-guard';
import { createWorkspace, markerExists, problemsOf, type Workspace } from './git-fixture.js';

let workspace: Workspace;
beforeAll(async () => {
  workspace = await createWorkspace();
});
afterAll(async () => {
  await workspace.remove();
});

async function rejectionCode(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => errorCodeOf(error),
  );
}

describe('inspectRepository options and failure modes', () => {
  it('throws CONFIG_INVALID for invalid options, never for hostile content', async () => {
    const base = { allowedRoots: [workspace.sandbox], ceilingDirectories: [workspace.base] };
    expect(await rejectionCode(inspectRepository(workspace.sandbox, { ...base, allowedRoots: [] }))).toBe(
      'CONFIG_INVALID',
    );
    expect(
      await rejectionCode(inspectRepository(workspace.sandbox, { ...base, allowedRoots: ['sandbox'] })),
    ).toBe('CONFIG_INVALID');
    expect(await rejectionCode(inspectRepository('relative/dir', base))).toBe('CONFIG_INVALID');
    const missingRoot = { ...base, allowedRoots: [join(workspace.base, 'missing')] };
    expect(await rejectionCode(inspectRepository(workspace.sandbox, missingRoot))).toBe('CONFIG_INVALID');
    expect(() => gitSafetyEnvironment({ ceilingDirectories: ['/a:/b'] })).toThrow(/without ":"/);
    expect(() => gitSafetyEnvironment({ ceilingDirectories: ['relative'] })).toThrow(/absolute/);
  });

  it('refuses (fails closed) when git cannot be run', async () => {
    const directory = await workspace.initRepository('no-git');
    const verdict = await inspectRepository(directory, {
      allowedRoots: [workspace.sandbox],
      ceilingDirectories: [workspace.base],
      gitPath: join(workspace.base, 'no-such-git'),
    });
    expect(problemsOf(verdict).join('\n')).toContain('could not run git');
  });

  it('only parses config: inspecting a file full of programs runs none of them', async () => {
    const directory = await workspace.initRepository('parse-only');
    const { command, path } = workspace.marker('parse-only');
    const included = join(workspace.sandbox, 'included.config');
    await writeFile(included, `[core]\n\tfsmonitor = ${command}\n`);
    const program = `"${command}"`;
    const text = [
      `[core]\n\tfsmonitor = ${program}\n\tpager = ${program}\n\teditor = ${program}\n\tsshCommand = ${program}`,
      `[include]\n\tpath = ${included}\n[includeIf "gitdir:/"]\n\tpath = ${included}`,
      `[filter "x"]\n\tclean = ${program}\n\tsmudge = ${program}\n\tprocess = ${program}`,
      `[diff]\n\texternal = ${program}\n[alias]\n\tconfig = !${command}\n[credential]\n\thelper = !${command}\n`,
    ].join('\n');
    await appendFile(join(directory, '.git', 'config'), text);
    const problems = problemsOf(await workspace.inspect(directory)).join('\n');
    for (const key of [
      'core.fsmonitor',
      'include.path',
      'includeif.gitdir:/.path',
      'filter.x.process',
      'alias.config',
    ]) {
      expect(problems).toContain(key);
    }
    expect(markerExists(path)).toBe(false);
  });

  it('lists the allow-list it enforces', () => {
    const keys = allowedKeys();
    expect(keys).toContain('core.repositoryformatversion');
    expect(keys).toContain('remote.<name>.url');
    expect(keys).not.toContain('core.fsmonitor');
  });
});
