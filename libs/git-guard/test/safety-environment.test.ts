import { spawnSync } from 'node:child_process';
import { appendFile, chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitSafetyEnvironment } from '@ironcurtain/git-guard';
import { createWorkspace, markerExists, type Workspace } from './git-fixture.js';

let workspace: Workspace;
let counter = 0;
let passwordServer: Server;
let passwordServerUrl: string;
beforeAll(async () => {
  workspace = await createWorkspace();
  // Answers every request with 401, so git asks its credential helpers and askpass program for a password.
  passwordServer = createServer((_request, response) => {
    response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end();
  });
  await new Promise<void>((resolve) => passwordServer.listen(0, '127.0.0.1', resolve));
  passwordServerUrl = `http://127.0.0.1:${(passwordServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => passwordServer.close(resolve));
  await workspace.remove();
});

/** A repository, a marker, and a script (exec bit set) that creates the marker. */
async function attackSetup(): Promise<{
  directory: string;
  marker: string;
  script: string;
  command: string;
}> {
  counter += 1;
  const directory = await workspace.initRepository(`attack-${counter}`);
  const { command, path } = workspace.marker(`attack-${counter}`);
  const script = join(workspace.sandbox, `attack-${counter}.sh`);
  await writeFile(script, `#!/bin/sh\n${command}\nexit 1\n`);
  await chmod(script, 0o755);
  return { directory, marker: path, script, command };
}

/** Runs `args` with the safety environment (no marker), then without it (marker: the attack is real). */
function expectNeutralized(setup: { directory: string; marker: string }, ...args: string[]): void {
  workspace.safeGit(setup.directory, ...args);
  expect(markerExists(setup.marker)).toBe(false);
  workspace.plainGit(setup.directory, ...args);
  expect(markerExists(setup.marker)).toBe(true);
}

describe('gitSafetyEnvironment', () => {
  it('puts every setting in command scope and removes system and global config', () => {
    const environment = gitSafetyEnvironment({ ceilingDirectories: ['/a', '/b'] });
    expect(environment).toMatchObject({
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_ATTR_NOSYSTEM: '1',
      GIT_CEILING_DIRECTORIES: '/a:/b',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ALLOW_PROTOCOL: 'file:http:https',
    });
    const count = Number(environment.GIT_CONFIG_COUNT);
    const keys = Array.from({ length: count }, (_, index) => environment[`GIT_CONFIG_KEY_${index}`]);
    expect(keys).toEqual(expect.arrayContaining(['core.fsmonitor', 'core.hooksPath', 'credential.helper']));
    expect(environment[`GIT_CONFIG_KEY_${count}`]).toBeUndefined();
  });

  it('keeps the command-scope pairs of keepCommandScopeOf first, so its own settings win for the same key', async () => {
    const setup = await attackSetup();
    const kept = {
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'url.file:///srv/forge/.insteadOf',
      GIT_CONFIG_VALUE_0: 'https://forge.example/',
      GIT_CONFIG_KEY_1: 'core.fsmonitor',
      GIT_CONFIG_VALUE_1: setup.command,
    };
    const environment = gitSafetyEnvironment({
      ceilingDirectories: [workspace.base],
      keepCommandScopeOf: kept,
    });
    const run = (...args: string[]) =>
      spawnSync('git', args, {
        cwd: setup.directory,
        env: { PATH: process.env['PATH'], HOME: workspace.base, ...environment },
        encoding: 'utf8',
      });
    expect(run('config', '--get', 'url.file:///srv/forge/.insteadof').stdout.trim()).toBe(
      'https://forge.example/',
    );
    expect(run('config', '--get-all', 'core.fsmonitor').stdout.trim().split('\n')).toEqual([
      setup.command,
      'false',
    ]);
    expect(run('status').status).toBe(0);
    expect(markerExists(setup.marker)).toBe(false);
  });

  it('runs no hook (exec bit set), from .git/hooks or from a repository core.hooksPath', async () => {
    const setup = await attackSetup();
    for (const hook of ['pre-commit', 'commit-msg', 'post-commit']) {
      await writeFile(join(setup.directory, '.git', 'hooks', hook), `#!/bin/sh\n${setup.command}\n`);
      await chmod(join(setup.directory, '.git', 'hooks', hook), 0o755);
    }
    const outcome = workspace.safeGit(setup.directory, 'commit', '-q', '--allow-empty', '-m', 'hooked');
    expect(outcome.status).toBe(0);
    expect(markerExists(setup.marker)).toBe(false);
    workspace.plainGit(setup.directory, 'commit', '-q', '--allow-empty', '-m', 'hooked');
    expect(markerExists(setup.marker)).toBe(true);
    const other = await attackSetup();
    await mkdir(join(other.directory, 'my-hooks'));
    await writeFile(join(other.directory, 'my-hooks', 'pre-commit'), `#!/bin/sh\n${other.command}\n`);
    await chmod(join(other.directory, 'my-hooks', 'pre-commit'), 0o755);
    await appendFile(join(other.directory, '.git', 'config'), '[core]\n\thooksPath = my-hooks\n');
    expectNeutralized(other, 'commit', '-q', '--allow-empty', '-m', 'hooked');
  });

  it('runs no core.fsmonitor on status, whatever the case of the key', async () => {
    const setup = await attackSetup();
    await appendFile(join(setup.directory, '.git', 'config'), `[CORE]\n\tFsMonitor = ${setup.command}\n`);
    expectNeutralized(setup, 'status');
  });

  it('runs no core.editor, and no sequence.editor on rebase -i', async () => {
    const setup = await attackSetup();
    await appendFile(join(setup.directory, '.git', 'config'), `[core]\n\teditor = ${setup.command}\n`);
    expectNeutralized(setup, 'commit', '--allow-empty');
    const rebase = await attackSetup();
    workspace.git(rebase.directory, 'commit', '-q', '--allow-empty', '-m', 'second');
    await appendFile(join(rebase.directory, '.git', 'config'), `[sequence]\n\teditor = ${rebase.command}\n`);
    expect(workspace.safeGit(rebase.directory, 'rebase', '-i', 'HEAD~1').status).toBe(0);
    expectNeutralized(rebase, 'rebase', '-i', 'HEAD~1');
  });

  it('signs nothing with the repository gpg.program, even when signing is asked for', async () => {
    const setup = await attackSetup();
    const config = `[commit]\n\tgpgSign = true\n[tag]\n\tgpgSign = true\n[gpg]\n\tprogram = ${setup.script}\n`;
    await appendFile(join(setup.directory, '.git', 'config'), config);
    expect(workspace.safeGit(setup.directory, 'commit', '-q', '--allow-empty', '-m', 'unsigned').status).toBe(
      0,
    );
    expect(workspace.safeGit(setup.directory, 'tag', '-a', 'v1', '-m', 'unsigned').status).toBe(0);
    workspace.safeGit(setup.directory, 'commit', '-q', '--allow-empty', '-S', '-m', 'asked to sign');
    expect(markerExists(setup.marker)).toBe(false);
    workspace.plainGit(setup.directory, 'commit', '-q', '--allow-empty', '-m', 'signed');
    expect(markerExists(setup.marker)).toBe(true);
  });

  it('asks no credential helper (URL-scoped ones included) and no askpass program for a password', async () => {
    const setup = await attackSetup();
    const config = [
      `[remote "origin"]\n\turl = ${passwordServerUrl}/repository.git`,
      `[credential]\n\thelper = "!${setup.command}; true"`,
      `[credential "${passwordServerUrl}"]\n\thelper = "!${setup.command}-scoped; true"`,
      `[core]\n\taskPass = ${setup.script}\n`,
    ].join('\n');
    await appendFile(join(setup.directory, '.git', 'config'), config);
    const outcome = await workspace.gitWithAsync(workspace.safety, setup.directory, 'fetch', 'origin');
    expect(outcome.stderr).toContain('terminal prompts disabled');
    expect(markerExists(setup.marker)).toBe(false);
    expect(markerExists(`${setup.marker}-scoped`)).toBe(false);
    await workspace.gitWithAsync({ GIT_TERMINAL_PROMPT: '0' }, setup.directory, 'fetch', 'origin');
    expect(markerExists(setup.marker)).toBe(true);
    expect(markerExists(`${setup.marker}-scoped`)).toBe(true);
  });

  it('runs no core.sshCommand: ssh is not an allowed transport', async () => {
    const setup = await attackSetup();
    const config = `[core]\n\tsshCommand = ${setup.script}\n[remote "origin"]\n\turl = ssh://example.invalid/r.git\n`;
    await appendFile(join(setup.directory, '.git', 'config'), config);
    expect(workspace.safeGit(setup.directory, 'fetch', 'origin').stderr).toContain(
      "transport 'ssh' not allowed",
    );
    expectNeutralized(setup, 'fetch', 'origin');
  });

  it('refuses ext:: URLs in clone and fetch, even when the repository allows the protocol', async () => {
    const setup = await attackSetup();
    const url = `ext::sh -c ${setup.command.replace(' ', '% ')}`;
    workspace.safeGit(workspace.sandbox, 'clone', url, join(workspace.sandbox, 'ext-clone'));
    expect(markerExists(setup.marker)).toBe(false);
    await appendFile(join(setup.directory, '.git', 'config'), '[protocol "ext"]\n\tallow = always\n');
    expect(workspace.safeGit(setup.directory, 'fetch', url).stderr).toContain("transport 'ext' not allowed");
    expectNeutralized(setup, 'fetch', url);
  });

  it('runs no core.alternateRefsCommand when fetching into a repository with alternates', async () => {
    const source = await workspace.initRepository('alternate-source');
    const setup = await attackSetup();
    await writeFile(
      join(setup.directory, '.git', 'objects', 'info', 'alternates'),
      `${source}/.git/objects\n`,
    );
    await appendFile(
      join(setup.directory, '.git', 'config'),
      `[core]\n\talternateRefsCommand = ${setup.command}\n`,
    );
    expect(workspace.safeGit(setup.directory, 'fetch', '-q', source).status).toBe(0);
    expectNeutralized(setup, 'fetch', '-q', source);
  });

  it('reads no mailmap file named by the repository', async () => {
    const setup = await attackSetup();
    await writeFile(join(workspace.outside, 'mailmap'), 'Leaked Secret <ada@example.com>\n');
    await appendFile(
      join(setup.directory, '.git', 'config'),
      `[mailmap]\n\tfile = ${workspace.outside}/mailmap\n`,
    );
    expect(workspace.safeGit(setup.directory, 'log', '-1', '--format=%aN').stdout.trim()).toBe('Ada');
    expect(workspace.plainGit(setup.directory, 'log', '-1', '--format=%aN').stdout.trim()).toBe(
      'Leaked Secret',
    );
  });

  it('keeps ordinary work going: init, add, commit, diff, log, branch, tag, clone, fetch, worktree', async () => {
    const directory = join(workspace.sandbox, 'ordinary');
    const run = (...args: string[]): string => {
      const outcome = workspace.safeGit(directory, ...args);
      expect(outcome.stderr).not.toContain('fatal');
      expect(outcome.status).toBe(0);
      return outcome.stdout;
    };
    await mkdir(directory);
    run('init', '-q', '-b', 'main');
    await writeFile(join(directory, 'notes.txt'), 'one\n');
    run('add', 'notes.txt');
    run('commit', '-q', '-m', 'one');
    await writeFile(join(directory, 'notes.txt'), 'one\ntwo\n');
    expect(run('diff')).toContain('+two');
    run('commit', '-q', '-am', 'two');
    expect(run('log', '--format=%s')).toBe('two\none\n');
    run('branch', 'topic');
    run('tag', '-a', 'v1', '-m', 'first release');
    expect(run('status', '--porcelain')).toBe('');
    workspace.safeGit(workspace.sandbox, 'clone', '-q', directory, join(workspace.sandbox, 'ordinary-clone'));
    expect(
      workspace.safeGit(join(workspace.sandbox, 'ordinary-clone'), 'log', '--format=%s', '-1').stdout,
    ).toBe('two\n');
    expect(workspace.safeGit(join(workspace.sandbox, 'ordinary-clone'), 'fetch', '-q', 'origin').status).toBe(
      0,
    );
    run('worktree', 'add', '-q', join(workspace.sandbox, 'ordinary-worktree'), 'topic');
    expect(run('worktree', 'list')).toContain('ordinary-worktree');
  });
});
