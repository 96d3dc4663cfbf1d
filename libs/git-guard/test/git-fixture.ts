import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gitSafetyEnvironment, inspectRepository, type RepositoryVerdict } from '@ironcurtain/git-guard';

/**
 * A temporary layout for one test file: `<base>/sandbox` is the only allowed root, `<base>` (its parent) is the
 * ceiling, `<base>/outside` stands for everything the agent must not reach, `<base>/markers` receives the files
 * attack commands would create.
 */
export interface Workspace {
  base: string;
  sandbox: string;
  outside: string;
  markers: string;
  /** Runs git as an ordinary user would (no safety environment), failing the test when git fails. */
  git(cwd: string, ...args: string[]): string;
  /** Runs git with the safety environment; never throws. */
  safeGit(cwd: string, ...args: string[]): GitOutcome;
  /** Runs git without the safety environment; never throws. */
  plainGit(cwd: string, ...args: string[]): GitOutcome;
  /** Runs git with extra environment variables over the ordinary user's; never throws. */
  gitWith(environment: Record<string, string>, cwd: string, ...args: string[]): GitOutcome;
  /** Like gitWith, without blocking the event loop (for tests that serve git from this process). */
  gitWithAsync(environment: Record<string, string>, cwd: string, ...args: string[]): Promise<GitOutcome>;
  /** The environment gitSafetyEnvironment returns for this workspace. */
  safety: Record<string, string>;
  /** A shell command that creates the named marker, and the marker's path. */
  marker(name: string): { command: string; path: string };
  inspect(directory: string): Promise<RepositoryVerdict>;
  /** A fresh directory inside the sandbox with a real `git init` and one commit. */
  initRepository(name: string): Promise<string>;
  /** A fresh repository (named `<prefix>-<n>`) whose .git/config has `text` appended. */
  repositoryWithConfig(prefix: string, text: string): Promise<string>;
  write(path: string, content: string): Promise<void>;
  remove(): Promise<void>;
}

export interface GitOutcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

let repositoryCount = 0;

export async function createWorkspace(): Promise<Workspace> {
  const base = await realpath(await mkdtemp(join(tmpdir(), 'git-guard-')));
  const sandbox = join(base, 'sandbox');
  const outside = join(base, 'outside');
  const markers = join(base, 'markers');
  await Promise.all([mkdir(sandbox), mkdir(outside), mkdir(markers), mkdir(join(base, 'home'))]);
  const userEnvironment = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(base, 'home'),
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CEILING_DIRECTORIES: base,
    GIT_AUTHOR_NAME: 'Ada',
    GIT_AUTHOR_EMAIL: 'ada@example.com',
    GIT_COMMITTER_NAME: 'Ada',
    GIT_COMMITTER_EMAIL: 'ada@example.com',
  };
  const safety = gitSafetyEnvironment({ ceilingDirectories: [base] });
  const run = (environment: Record<string, string>, cwd: string, args: string[]): GitOutcome => {
    const result = spawnSync('git', args, { cwd, env: environment, encoding: 'utf8', timeout: 20_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const workspace: Workspace = {
    base,
    sandbox,
    outside,
    markers,
    git(cwd, ...args) {
      const outcome = run(userEnvironment, cwd, args);
      if (outcome.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${outcome.stderr}`);
      return outcome.stdout;
    },
    safeGit: (cwd, ...args) => run({ ...userEnvironment, ...safety }, cwd, args),
    plainGit: (cwd, ...args) => run(userEnvironment, cwd, args),
    gitWith: (environment, cwd, ...args) => run({ ...userEnvironment, ...environment }, cwd, args),
    gitWithAsync: (environment, cwd, ...args) =>
      new Promise((resolve) => {
        const options = {
          cwd,
          env: { ...userEnvironment, ...environment },
          encoding: 'utf8' as const,
          timeout: 20_000,
        };
        execFile('git', args, options, (error, stdout, stderr) => {
          const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
          resolve({ status, stdout, stderr });
        });
      }),
    safety,
    marker(name) {
      const path = join(markers, name);
      return { command: `touch ${path}`, path };
    },
    inspect: (directory) =>
      inspectRepository(directory, { allowedRoots: [sandbox], ceilingDirectories: [base] }),
    async initRepository(name) {
      const directory = join(sandbox, name);
      await mkdir(directory, { recursive: true });
      workspace.git(directory, 'init', '-q', '-b', 'main');
      await writeFile(join(directory, 'readme.txt'), 'hello\n');
      workspace.git(directory, 'add', 'readme.txt');
      workspace.git(directory, 'commit', '-q', '-m', 'first');
      return directory;
    },
    async repositoryWithConfig(prefix, text) {
      repositoryCount += 1;
      const directory = await workspace.initRepository(`${prefix}-${repositoryCount}`);
      await appendFile(join(directory, '.git', 'config'), text);
      return directory;
    },
    async write(path, content) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    },
    remove: () => rm(base, { recursive: true, force: true }),
  };
  return workspace;
}

/** The problems of a refused verdict (fails the test when the verdict is not refused). */
export function problemsOf(verdict: RepositoryVerdict): string[] {
  if (verdict.kind !== 'refused')
    throw new Error(`expected a refused verdict, got ${JSON.stringify(verdict)}`);
  return verdict.problems;
}

/** True when the marker file exists. */
export function markerExists(path: string): boolean {
  return existsSync(path);
}
