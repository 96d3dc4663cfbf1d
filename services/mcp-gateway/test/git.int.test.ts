// The real git server (@cyanheads/git-mcp-server from node_modules) behind the real gateway, on real repositories.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, gitServer, textOf, type World } from './gateway-world.js';

let world: World;
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env['PATH'],
      HOME: cwd,
      GIT_AUTHOR_NAME: 'Upstream',
      GIT_AUTHOR_EMAIL: 'upstream@example.test',
      GIT_COMMITTER_NAME: 'Upstream',
      GIT_COMMITTER_EMAIL: 'upstream@example.test',
    },
  });

beforeAll(async () => {
  world = await createWorld({
    servers: (root) => ({
      git: {
        ...gitServer,
        env: {
          ...gitServer.env,
          // Stands in for a forge: git itself rewrites https://git.example.test/<owner>/<repo> to a local bare
          // repository, so a clone of a "remote" URL runs offline through the real server and the real git.
          GIT_CONFIG_COUNT: '1',
          GIT_CONFIG_KEY_0: `url.file://${join(root, 'forge')}/.insteadOf`,
          GIT_CONFIG_VALUE_0: 'https://git.example.test/',
        },
        // The "forge" lives outside the session sandbox: the OS sandbox must grant it, read-write for pushes.
        sandbox: { filesystem: { allowWrite: [join(root, 'forge')] }, network: false },
      },
    }),
  });
});
afterAll(async () => {
  await world?.dispose();
});

describe('the git server through prepare and execute', () => {
  it('inits, adds, commits, branches, logs and diffs a repository in the sandbox', async () => {
    const sandbox = await world.sandboxOf('git-local');
    const init = await world.run('git-local', 'git', 'git_init', { path: 'project', initialBranch: 'main' });
    expect(init.isError).toBe(false);
    const repository = join(sandbox, 'project');
    expect(git(repository, 'rev-parse', '--git-dir').trim()).toBe('.git');

    await writeFile(join(repository, 'README.md'), '# project\n');
    const added = await world.run('git-local', 'git', 'git_add', { path: repository, paths: ['README.md'] });
    expect(added.isError).toBe(false);
    expect(git(repository, 'diff', '--cached', '--name-only').trim()).toBe('README.md');

    const committed = await world.run('git-local', 'git', 'git_commit', {
      path: repository,
      message: 'first commit',
    });
    expect(committed.isError).toBe(false);
    expect(git(repository, 'log', '--format=%s|%an').trim()).toBe('first commit|Test Agent');

    const branched = await world.run('git-local', 'git', 'git_branch', {
      path: repository,
      mode: 'create',
      branchName: 'feature/docs',
    });
    expect(branched.isError).toBe(false);
    expect(git(repository, 'branch', '--list', 'feature/docs').trim()).toBe('feature/docs');

    const log = await world.run('git-local', 'git', 'git_log', { path: repository, maxCount: 5 });
    expect(log.isError).toBe(false);
    expect(textOf(log)).toContain('first commit');

    await writeFile(join(repository, 'README.md'), '# project\n\nmore words\n');
    const diff = await world.run('git-local', 'git', 'git_diff', { path: repository });
    expect(diff.isError).toBe(false);
    expect(textOf(diff)).toContain('+more words');
  });

  it('clones a remote URL: the canonical host/owner/repo is executed as https, which git resolves', async () => {
    const forge = join(world.root, 'forge', 'acme');
    await mkdir(forge, { recursive: true });
    const upstream = join(world.root, 'upstream');
    await mkdir(upstream);
    git(upstream, 'init', '--initial-branch=main');
    await writeFile(join(upstream, 'tool.txt'), 'from upstream\n');
    git(upstream, 'add', 'tool.txt');
    git(upstream, 'commit', '-m', 'upstream commit');
    git(world.root, 'clone', '--bare', upstream, join(forge, 'tools.git'));

    const sandbox = await world.sandboxOf('git-clone');
    const prepared = await world.prepare('git-clone', 'git', 'git_clone', {
      url: 'https://git.example.test/acme/tools.git',
      path: 'tools',
    });
    // What the policy sees: the repository, the same for its https and ssh spellings.
    expect(prepared).toMatchObject({
      status: 'valid',
      canonicalArguments: { url: 'git.example.test/acme/tools', path: join(sandbox, 'tools') },
    });
    const cloned = await world.run('git-clone', 'git', 'git_clone', {
      url: 'https://git.example.test/acme/tools.git',
      path: 'tools',
    });
    expect(cloned.isError).toBe(false);
    expect(await readFile(join(sandbox, 'tools', 'tool.txt'), 'utf8')).toBe('from upstream\n');

    // A push names no remote: canonicalization fills in the effective one (origin's repository) and the gateway
    // runs it as the configured remote that points there.
    const clone = join(sandbox, 'tools');
    await writeFile(join(clone, 'tool.txt'), 'changed by the agent\n');
    await world.run('git-clone', 'git', 'git_add', { path: clone, paths: ['tool.txt'] });
    await world.run('git-clone', 'git', 'git_commit', { path: clone, message: 'agent change' });
    const pushPrepared = await world.prepare('git-clone', 'git', 'git_push', { path: clone });
    expect(pushPrepared).toMatchObject({ canonicalArguments: { remote: 'git.example.test/acme/tools' } });
    const pushed = await world.run('git-clone', 'git', 'git_push', { path: clone });
    expect(pushed.isError).toBe(false);
    expect(git(join(forge, 'tools.git'), 'log', '--format=%s', '-1', 'main').trim()).toBe('agent change');
  });

  it('clones a local repository in the sandbox: its source is a path the clone reads', async () => {
    const sandbox = await world.sandboxOf('git-local-clone');
    const local = join(sandbox, 'elsewhere');
    await mkdir(local);
    git(local, 'init', '--initial-branch=main');
    await writeFile(join(local, 'notes.txt'), 'local history\n');
    git(local, 'add', 'notes.txt');
    git(local, 'commit', '-m', 'local commit');
    const prepared = await world.prepare('git-local-clone', 'git', 'git_clone', {
      url: './elsewhere',
      path: 'copy',
    });
    expect(prepared).toMatchObject({
      status: 'valid',
      canonicalArguments: { url: local, path: join(sandbox, 'copy') },
    });
    const cloned = await world.run('git-local-clone', 'git', 'git_clone', {
      url: './elsewhere',
      path: 'copy',
    });
    expect(cloned.isError).toBe(false);
    expect(await readFile(join(sandbox, 'copy', 'notes.txt'), 'utf8')).toBe('local history\n');
  });
});
