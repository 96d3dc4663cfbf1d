import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
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

const repositoryWithConfig = (text: string) => workspace.repositoryWithConfig('repository', text);

async function expectRefused(text: string, ...expected: string[]): Promise<string[]> {
  const directory = await repositoryWithConfig(text);
  const problems = problemsOf(await workspace.inspect(directory));
  expect(problems.join('\n')).toContain(join(directory, '.git', 'config'));
  for (const fragment of expected) expect(problems.join('\n')).toContain(fragment);
  return problems;
}

describe('config inspection', () => {
  it('finds a clean repository made by git init safe', async () => {
    const directory = await workspace.initRepository('clean');
    expect(await workspace.inspect(join(directory))).toEqual({
      kind: 'safe',
      gitDir: join(directory, '.git'),
      commonDir: join(directory, '.git'),
      workTree: directory,
    });
  });

  it.each([
    ['[core]\n\tfsmonitor = touch x\n', 'core.fsmonitor', 'status'],
    ['[Core]\n\tFSMonitor = touch x\n', 'core.fsmonitor', 'status'],
    ['[CORE]\n\tfsmonitor\n', 'core.fsmonitor', ''],
    ['[core]\n\thooksPath = /tmp\n', 'core.hookspath', 'hook'],
    ['[core]\n\tsshCommand = touch x\n', 'core.sshcommand', 'program'],
    ['[core]\n\tpager = touch x\n', 'core.pager', 'program'],
    ['[core]\n\teditor = touch x\n', 'core.editor', 'program'],
    ['[core]\n\taskPass = /tmp/x\n', 'core.askpass', 'program'],
    ['[core]\n\tgitProxy = touch x\n', 'core.gitproxy', 'program'],
    ['[core]\n\talternateRefsCommand = touch x\n', 'core.alternaterefscommand', 'program'],
    ['[sequence]\n\teditor = touch x\n', 'sequence.editor', 'program'],
    ['[filter "x"]\n\tclean = touch x\n', 'filter.x.clean', 'filter driver'],
    ['[filter.X]\n\tsmudge = touch x\n', 'filter.x.smudge', 'filter driver'],
    ['[diff]\n\texternal = touch x\n', 'diff.external', 'differences'],
    ['[diff "x"]\n\ttextconv = touch x\n', 'diff.x.textconv', 'differences'],
    ['[merge "x"]\n\tdriver = touch x\n', 'merge.x.driver', 'merge driver'],
    ['[gpg]\n\tprogram = touch x\n', 'gpg.program', 'sign'],
    ['[gpg "ssh"]\n\tprogram = touch x\n', 'gpg.ssh.program', 'sign'],
    ['[credential]\n\thelper = !touch x\n', 'credential.helper', 'credential helper'],
    [
      '[credential "https://example.com"]\n\thelper = !touch x\n',
      'credential.https://example.com.helper',
      'helper',
    ],
    ['[include]\n\tpath = /etc/gitconfig\n', 'include.path', 'not inspected'],
    ['[includeIf "gitdir:/"]\n\tpath = evil.config\n', 'includeif.gitdir:/.path', 'not inspected'],
    ['[url "ext::sh -c touch% x"]\n\tinsteadOf = https://\n', 'insteadof', 'rewrites'],
    ['[remote "origin"]\n\tuploadpack = touch x\n', 'remote.origin.uploadpack', 'local fetch'],
    ['[remote "origin"]\n\treceivepack = touch x\n', 'remote.origin.receivepack', 'local fetch or push'],
    ['[remote "origin"]\n\tvcs = x\n', 'remote.origin.vcs', 'remote helper'],
    ['[http]\n\tproxy = http://evil\n', 'http.proxy', 'servers'],
    ['[alias]\n\tst = !touch x\n', 'alias.st', 'commands'],
    ['[protocol "ext"]\n\tallow = always\n', 'protocol.ext.allow', 'ext::'],
    ['[blame]\n\tignoreRevsFile = /etc/passwd\n', 'blame.ignorerevsfile', 'read a file'],
    ['[extensions]\n\tpartialClone = origin\n', 'extensions.partialclone', 'extension'],
    ['[color]\n\tui = auto\n', 'color.ui', 'allow-list'],
  ])('refuses %j naming the key', async (text, key, reason) => {
    await expectRefused(text, key, reason);
  });

  it('keeps the case of a quoted subsection with escapes', async () => {
    const problems = await expectRefused('[remote "We\\"ird\\\\Name"]\n\tuploadpack = touch x\n');
    expect(problems.join('\n')).toContain('remote.We"ird\\Name.uploadpack');
  });

  it('refuses a key split by a line continuation, which git itself cannot parse', async () => {
    await expectRefused('[core]\n\tfsmon\\\nitor = touch x\n', 'cannot be parsed by git');
  });

  it('reads a value with \\n escapes as one value, as git does: no key hides inside it', async () => {
    const { command, path } = workspace.marker('escaped-value');
    const directory = await repositoryWithConfig(
      `[user]\n\tname = "Ada\\n[core]\\n\\tfsmonitor = ${command}"\n`,
    );
    expect((await workspace.inspect(directory)).kind).toBe('safe');
    expect(workspace.plainGit(directory, 'config', 'core.fsmonitor').status).toBe(1);
    workspace.plainGit(directory, 'status');
    expect(markerExists(path)).toBe(false);
  });

  it('refuses a file git cannot parse', async () => {
    await expectRefused('[core\n\tbare = false\n', 'cannot be parsed by git');
  });

  it.each([
    ['ext::sh -c touch% x', 'remote helper git-remote-ext'],
    ['fd::3', 'git-remote-fd'],
    ['--upload-pack=touch x', 'option'],
    ['foo://example.com/r', 'scheme foo://'],
  ])('refuses the remote URL %j', async (url, reason) => {
    await expectRefused(`[remote "origin"]\n\turl = ${url}\n`, 'remote.origin.url', reason);
  });

  it('refuses remote and submodule URLs that are local paths outside the sandbox', async () => {
    await expectRefused(`[remote "a"]\n\turl = ${workspace.outside}\n`, 'outside the session sandbox');
    await expectRefused(
      `[remote "a"]\n\turl = file://${workspace.outside}/r.git\n`,
      'outside the session sandbox',
    );
    await expectRefused('[remote "a"]\n\turl = ../../../outside\n', 'outside the session sandbox');
    await expectRefused(`[submodule "s"]\n\turl = ${workspace.outside}/s\n`, 'submodule.s.url');
    await expectRefused(`[branch "main"]\n\tremote = ${workspace.outside}/r\n`, 'branch.main.remote');
  });

  it('accepts network URLs and local repositories inside the sandbox', async () => {
    const text = [
      '[remote "a"]\n\turl = https://github.com/o/r.git\n\tpushurl = ssh://git@github.com/o/r.git',
      '[remote "b"]\n\turl = git@github.com:o/r.git\n\tfetch = +refs/heads/*:refs/remotes/b/*\n\ttagopt = --no-tags',
      `[remote "c"]\n\turl = ${workspace.sandbox}/other\n\tprune = true`,
      '[branch "main"]\n\tremote = a\n\tmerge = refs/heads/main\n\trebase = merges\n\tdescription = "a branch"',
      '[pull]\n\trebase = false\n\tff = only\n[user]\n\tname = Ada\n\temail = ada@example.com\n',
    ].join('\n');
    expect((await workspace.inspect(await repositoryWithConfig(text))).kind).toBe('safe');
  });

  it.each([
    ['[branch "main"]\n\trebase = interactive\n', 'branch.main.rebase'],
    ['[pull]\n\trebase = i\n', 'pull.rebase'],
    ['[submodule "s"]\n\tupdate = !touch x\n', '!command'],
    ['[core]\n\tfilemode = maybe\n', 'not a boolean'],
    ['[remote "a"]\n\ttagopt = --upload-pack=x\n', 'remote.a.tagopt'],
    ['[core]\n\tworktree = /etc\n', 'moves the work tree'],
  ])('checks values: refuses %j', async (text, fragment) => {
    await expectRefused(text, fragment);
  });

  it('accepts core.worktree only when it names the work tree git would use anyway', async () => {
    const directory = await repositoryWithConfig('[core]\n\tworktree = ..\n');
    expect((await workspace.inspect(directory)).kind).toBe('safe');
    await expectRefused('[core]\n\tworktree = ../..\n', 'moves the work tree');
  });

  it('inspects config.worktree in the git directory whether or not worktreeConfig is set', async () => {
    const directory = await workspace.initRepository('worktree-config');
    await writeFile(join(directory, '.git', 'config.worktree'), '[core]\n\tfsmonitor = touch x\n');
    const problems = problemsOf(await workspace.inspect(directory));
    expect(problems.join('\n')).toContain(`${join(directory, '.git', 'config.worktree')}: core.fsmonitor`);
  });

  it('refuses a FIFO in place of the config without hanging', async () => {
    const directory = await workspace.initRepository('fifo-config');
    const config = join(directory, '.git', 'config');
    spawnSync('rm', [config]);
    expect(spawnSync('mkfifo', [config]).status).toBe(0);
    const started = Date.now();
    const problems = problemsOf(await workspace.inspect(directory));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(problems.join('\n')).toContain('FIFO');
  });

  it('refuses a config symlinked to a file outside the sandbox', async () => {
    const directory = await workspace.initRepository('symlinked-config');
    await writeFile(join(workspace.outside, 'config'), '[core]\n\tbare = false\n');
    spawnSync('rm', [join(directory, '.git', 'config')]);
    await symlink(join(workspace.outside, 'config'), join(directory, '.git', 'config'));
    const problems = problemsOf(await workspace.inspect(directory));
    expect(problems.join('\n')).toContain(`is a symlink to ${join(workspace.outside, 'config')}`);
  });

  it('refuses a config above 1 MiB', async () => {
    const directory = await repositoryWithConfig(`[user]\n\tname = ${'a'.repeat((1 << 20) + 10)}\n`);
    expect(problemsOf(await workspace.inspect(directory)).join('\n')).toContain('limit');
  });

  it('refuses a config that is a directory', async () => {
    const directory = await workspace.initRepository('directory-config');
    await writeFile(join(directory, '.git', 'config.worktree'), '');
    spawnSync('rm', [join(directory, '.git', 'config.worktree')]);
    await mkdir(join(directory, '.git', 'config.worktree'));
    expect(problemsOf(await workspace.inspect(directory)).join('\n')).toContain('a directory');
  });
});
