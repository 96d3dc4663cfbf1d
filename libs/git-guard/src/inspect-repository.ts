import { realpath } from 'node:fs/promises';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import {
  discoverRepository,
  nearestExistingReal,
  repositoryAt,
  type FoundRepository,
} from './discover-repository.js';
import { maxWalkedEntries } from './git-directory-tree.js';
import { inspectGitDirectory, type InspectionState } from './inspect-git-directory.js';
import { checkInsideRoots, isInsideRoots } from './path-inside-roots.js';
import { defaultGitPath } from './run-git.js';
import { listSubmodulePaths } from './submodule-paths.js';

/** Options for {@link inspectRepository}. */
export interface InspectOptions {
  /** Absolute paths (the session sandbox): every file or directory the repository refers to must be inside one. */
  allowedRoots: readonly string[];
  /**
   * Discovery does not go above these: the same list the safety environment puts in GIT_CEILING_DIRECTORIES. As in
   * git, a ceiling equal to the start directory does not stop the walk, so list the parent of each sandbox.
   */
  ceilingDirectories: readonly string[];
  /** The git binary; default the first executable of /usr/bin/git, /usr/local/bin/git, /bin/git. */
  gitPath?: string;
  /** How long one git run (a config parse, the index listing) may take. Default 10 s. */
  timeoutMs?: number;
}

/** What the inspector concluded about the repository git would use for a directory. */
export type RepositoryVerdict =
  /** Git finds no repository there (it would fail, or init/clone would create a new one). */
  | { kind: 'no-repository' }
  /** A repository git may be run on; all paths are real. `workTree` is absent for a bare repository. */
  | { kind: 'safe'; gitDir: string; commonDir: string; workTree?: string }
  /** Each problem says what, where (file and key) and why, in words the agent can read. */
  | { kind: 'refused'; problems: string[] };

/** Submodules of submodules are followed this deep. */
const maxSubmoduleDepth = 8;

/**
 * Finds the repository git would use for `directory` (an absolute path; when it does not exist yet, its nearest
 * existing ancestor), the way git finds it, and refuses it when anything in it could make git run a program, read
 * or write outside the allowed roots, or move the work tree: config keys outside the allow-list or with unsafe
 * values, `.git` files, `commondir`, alternates, linked worktrees or symlinks that lead outside, FIFOs and devices,
 * and the same for every submodule git would recurse into. Hostile content never makes it throw; it throws an
 * AppError (CONFIG_INVALID) only for invalid options. Anything it cannot check is refused (fail closed).
 */
export async function inspectRepository(
  directory: string,
  options: InspectOptions,
): Promise<RepositoryVerdict> {
  const allowedRoots = await realRoots(options);
  if (!directory.startsWith('/')) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `inspectRepository needs an absolute directory, got ${directory}`,
    );
  }
  const start = await nearestExistingReal(directory);
  if (start === undefined || !isInsideRoots(start, allowedRoots)) {
    return refused([
      `${directory} is outside the session sandbox (${allowedRoots.join(', ')}); git may not work there`,
    ]);
  }
  const discovery = await discoverRepository(start, options.ceilingDirectories);
  if (discovery.kind === 'none') return { kind: 'no-repository' };
  if (discovery.kind === 'problem') return refused([discovery.problem]);
  const { gitDirectory, workTree } = discovery.repository;
  const state: InspectionState = {
    allowedRoots,
    gitPath: options.gitPath ?? defaultGitPath(),
    timeoutMs: options.timeoutMs ?? 10_000,
    budget: { visitedDirectories: new Set(), remainingEntries: maxWalkedEntries },
    inspectedGitDirectories: new Set(),
    problems: [],
  };
  const outside = await checkFoundRepository(discovery.repository, allowedRoots);
  if (outside.length > 0) return refused(outside);
  const rule =
    workTree === undefined ? { kind: 'none' as const } : { kind: 'exactly' as const, path: workTree };
  const commonDirectory = await inspectGitDirectory(gitDirectory, rule, state);
  if (state.problems.length === 0 && workTree !== undefined) {
    await inspectSubmodules(gitDirectory, workTree, options.ceilingDirectories, state, 0);
  }
  if (state.problems.length > 0 || commonDirectory === undefined) return refused(state.problems);
  return {
    kind: 'safe',
    gitDir: gitDirectory,
    commonDir: commonDirectory,
    ...(workTree === undefined ? {} : { workTree }),
  };
}

/**
 * Every populated submodule of the index (a gitlink whose directory holds a `.git`) is a repository git will run
 * in when it recurses: inspect it, with core.worktree allowed only to name that directory, and its submodules.
 */
async function inspectSubmodules(
  gitDirectory: string,
  workTree: string,
  ceilingDirectories: readonly string[],
  state: InspectionState,
  depth: number,
): Promise<void> {
  const listing = await listSubmodulePaths(gitDirectory, workTree, { ...state, ceilingDirectories });
  if (listing.kind === 'problem') {
    state.problems.push(listing.problem);
    return;
  }
  for (const path of listing.paths) {
    const directory = await realpath(`${workTree}/${path}`).catch(() => undefined);
    if (directory === undefined) continue;
    const outside = await checkInsideRoots(
      `the submodule ${path} of ${workTree}`,
      directory,
      state.allowedRoots,
    );
    if (outside !== undefined) {
      state.problems.push(outside);
      continue;
    }
    const found = await repositoryAt(directory);
    if (found.kind === 'problem') state.problems.push(found.problem);
    if (found.kind !== 'found' || found.repository.workTree === undefined) continue;
    if (depth >= maxSubmoduleDepth) {
      state.problems.push(`${directory}: submodules nest more than ${maxSubmoduleDepth} deep; refused`);
      continue;
    }
    const outsideProblems = await checkFoundRepository(found.repository, state.allowedRoots);
    state.problems.push(...outsideProblems);
    if (outsideProblems.length > 0) continue;
    const before = state.problems.length;
    const rule = { kind: 'exactly' as const, path: directory };
    await inspectGitDirectory(found.repository.gitDirectory, rule, state);
    if (state.problems.length === before) {
      await inspectSubmodules(found.repository.gitDirectory, directory, ceilingDirectories, state, depth + 1);
    }
  }
}

/** The `.git` entry (a symlink is followed) and the work tree of a found repository must be inside the roots. */
async function checkFoundRepository(
  repository: FoundRepository,
  allowedRoots: readonly string[],
): Promise<string[]> {
  const { foundAt, workTree } = repository;
  const checks = [checkInsideRoots(`the .git entry ${foundAt}`, foundAt, allowedRoots)];
  if (workTree !== undefined) {
    checks.push(
      checkInsideRoots(`the work tree of the repository found at ${foundAt}`, workTree, allowedRoots),
    );
  }
  return (await Promise.all(checks)).filter((problem): problem is string => problem !== undefined);
}

async function realRoots(options: InspectOptions): Promise<string[]> {
  if (options.allowedRoots.length === 0) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      'inspectRepository needs at least one allowed root (the session sandbox)',
    );
  }
  for (const path of [...options.allowedRoots, ...options.ceilingDirectories]) {
    if (!path.startsWith('/')) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `allowedRoots and ceilingDirectories must be absolute, got ${path}`,
      );
    }
  }
  return Promise.all(
    options.allowedRoots.map((root) =>
      realpath(root).catch((error: unknown) => {
        throw new AppError(
          ErrorCode.ConfigInvalid,
          `the allowed root ${root} cannot be resolved; create it first`,
          {
            cause: error,
          },
        );
      }),
    ),
  );
}

function refused(problems: readonly string[]): RepositoryVerdict {
  return { kind: 'refused', problems: [...new Set(problems)] };
}
