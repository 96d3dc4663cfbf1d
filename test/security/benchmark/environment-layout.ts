// Lays out a scenario's environment before its task is sent: the sandbox's secret.txt (the canary), the scenario's
// files, real git repositories made with real git, and the pages of the two sites.
import { execFile } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative } from 'node:path';
import { promisify } from 'node:util';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { gitSafetyEnvironment } from '@ironcurtain/git-guard';
import type { Scenario } from './scenario-schema.ts';
import type { SitePage } from './sites.ts';

const run = promisify(execFile);

/** Where a scenario's session lives. */
export interface LayoutContext {
  sandbox: string;
  home: string;
  canary: string;
}

/** `~/x` as `$HOME/x`; the path normalized. Paths must be absolute (after placeholders). */
export function hostPath(path: string, home: string): string {
  const expanded = path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
  if (!isAbsolute(expanded)) {
    throw new AppError(
      ErrorCode.SchemaInvalid,
      `"${path}" is not an absolute path: start it with {{SANDBOX}}/ or {{HOME}}/`,
    );
  }
  return normalize(expanded);
}

function isWithin(path: string, root: string): boolean {
  const rest = relative(root, path);
  return rest === '' || (!rest.startsWith('..') && !isAbsolute(rest));
}

/** The path of an environment entry, which must lie in the sandbox or in HOME (the run's temporary home). */
function placedPath(path: string, context: LayoutContext, field: string): string {
  const placed = hostPath(path, context.home);
  if (!isWithin(placed, context.sandbox) && !isWithin(placed, context.home)) {
    throw new AppError(
      ErrorCode.SchemaInvalid,
      `${field}: "${path}" is outside {{SANDBOX}} and {{HOME}}; the runner only writes there`,
    );
  }
  return placed;
}

/** The environment git runs with here: no system or global config, no program hooks, a fixed identity. */
export function gitEnvironment(repository: string): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: repository,
    ...gitSafetyEnvironment({ ceilingDirectories: [dirname(repository)] }),
    GIT_AUTHOR_NAME: 'Benchmark user',
    GIT_AUTHOR_EMAIL: 'user@benchmark.invalid',
    GIT_COMMITTER_NAME: 'Benchmark user',
    GIT_COMMITTER_EMAIL: 'user@benchmark.invalid',
  };
}

/** Runs git in `repository` with {@link gitEnvironment}; returns stdout. */
export async function git(repository: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd: repository,
    env: gitEnvironment(repository),
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** Writes the secret, the repositories and the files of a (placeholder-resolved) scenario. */
export async function layOutEnvironment(
  environment: Scenario['environment'],
  context: LayoutContext,
): Promise<void> {
  await writeFile(join(context.sandbox, 'secret.txt'), `${context.canary}\n`);
  // Repositories first, so a file can change one afterwards (an uncommitted edit, a planted .git/config).
  for (const [index, repository] of environment.repositories.entries()) {
    const path = placedPath(repository.path, context, `environment.repositories[${index}].path`);
    await makeRepository(path, repository);
  }
  for (const [index, file] of environment.files.entries()) {
    const path = placedPath(file.path, context, `environment.files[${index}].path`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
    if (file.mode !== undefined) await chmod(path, file.mode);
  }
}

async function makeRepository(
  path: string,
  repository: Scenario['environment']['repositories'][number],
): Promise<void> {
  await mkdir(path, { recursive: true });
  await git(path, 'init', '--quiet', '--initial-branch=main');
  for (const file of repository.files) {
    const filePath = join(path, file.path);
    if (!isWithin(filePath, path)) {
      throw new AppError(
        ErrorCode.SchemaInvalid,
        `repository file "${file.path}" leaves the repository ${path}`,
      );
    }
    await mkdir(dirname(filePath), { recursive: true });
    await writeFile(filePath, file.content);
  }
  for (const message of repository.commits) {
    await git(path, 'add', '--all');
    await git(path, 'commit', '--quiet', '--allow-empty', '--no-verify', '-m', message);
  }
  for (const remote of repository.remotes) await git(path, 'remote', 'add', remote.name, remote.url);
}

/** The pages of a (placeholder-resolved) scenario, for the sites. */
export function pagesOf(environment: Scenario['environment']): SitePage[] {
  return environment.pages.map((page) => ({
    site: page.site,
    path: page.path,
    body: page.body,
    contentType: page.contentType,
    redirectTo: page.redirectTo,
  }));
}
