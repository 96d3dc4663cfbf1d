import { realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import { checkGitDirectory, readGitFile } from './git-directory.js';

/** A repository git would use for a directory, as found by {@link discoverRepository} or {@link repositoryAt}. */
export interface FoundRepository {
  /** The git directory, real path. */
  gitDirectory: string;
  /** The directory holding the `.git` entry; absent for a bare repository (the directory is itself a git directory). */
  workTree?: string;
  /** How it was found, for messages: the `.git` entry or the bare directory. */
  foundAt: string;
}

/** The outcome of discovery. */
export type Discovery =
  { kind: 'none' } | { kind: 'found'; repository: FoundRepository } | { kind: 'problem'; problem: string };

/**
 * Finds the repository git would use when run in `directory` (or in its nearest existing ancestor), walking up the
 * way git's `setup_git_directory_gently` does: at each level a `.git` file or directory, then the level itself as a
 * bare repository; the walk never enters a ceiling directory (a ceiling equal to the start directory is not one,
 * exactly as in git). Mount points are crossed: the safety environment sets GIT_DISCOVERY_ACROSS_FILESYSTEM so git
 * crosses them too.
 */
export async function discoverRepository(
  directory: string,
  ceilingDirectories: readonly string[],
): Promise<Discovery> {
  const start = await nearestExistingReal(directory);
  if (start === undefined) return { kind: 'problem', problem: `${directory} has no existing ancestor` };
  const ceilingOffset = longestAncestorLength(start, await realCeilings(ceilingDirectories));
  let current = start;
  for (;;) {
    const level = await repositoryAt(current);
    if (level.kind !== 'none') return level;
    if (current === '/') return { kind: 'none' };
    const slash = current.lastIndexOf('/');
    if (slash <= ceilingOffset) return { kind: 'none' };
    current = slash === 0 ? '/' : current.slice(0, slash);
  }
}

/**
 * The repository git finds at exactly this level (no walking up): `<directory>/.git` as a gitfile or git directory,
 * else the directory itself as a bare repository. A `.git` file git would die on is a problem.
 */
export async function repositoryAt(directory: string): Promise<Discovery> {
  const dotGit = directory === '/' ? '/.git' : `${directory}/.git`;
  const gitFile = await readGitFile(dotGit);
  if (gitFile.kind === 'problem') return gitFile;
  if (gitFile.kind === 'git-file') {
    return {
      kind: 'found',
      repository: { gitDirectory: gitFile.gitDirectory, workTree: directory, foundAt: dotGit },
    };
  }
  if (gitFile.kind === 'not-a-file') {
    const check = await checkGitDirectory(dotGit);
    if (check.kind === 'problem') return check;
    if (check.kind === 'git-directory') {
      const gitDirectory = await realpath(dotGit);
      return { kind: 'found', repository: { gitDirectory, workTree: directory, foundAt: dotGit } };
    }
  }
  const bare = await checkGitDirectory(directory);
  if (bare.kind === 'problem') return bare;
  if (bare.kind === 'git-directory') {
    return { kind: 'found', repository: { gitDirectory: directory, foundAt: directory } };
  }
  return { kind: 'none' };
}

/** The real path of `directory`, or of its nearest ancestor that exists (git init and clone name new directories). */
export async function nearestExistingReal(directory: string): Promise<string | undefined> {
  let current = posix.resolve(directory);
  for (;;) {
    try {
      return await realpath(current);
    } catch {
      const parent = posix.dirname(current);
      if (parent === current) return undefined;
      current = parent;
    }
  }
}

/** git's ceiling entries: absolute ones resolved with realpath; those that cannot be resolved are dropped. */
async function realCeilings(ceilingDirectories: readonly string[]): Promise<string[]> {
  const resolved = await Promise.all(
    ceilingDirectories
      .filter((entry) => entry.startsWith('/'))
      .map((entry) => realpath(entry).catch(() => undefined)),
  );
  return resolved.filter((entry): entry is string => entry !== undefined);
}

/** git's `longest_ancestor_length`: the length of the longest ceiling that is a proper ancestor of `path`, or -1. */
function longestAncestorLength(path: string, ceilings: readonly string[]): number {
  if (path === '/') return -1;
  let longest = -1;
  for (const ceiling of ceilings) {
    const length = ceiling.endsWith('/') ? ceiling.length - 1 : ceiling.length;
    const isProperAncestor =
      path.startsWith(ceiling.slice(0, length)) && path[length] === '/' && path.length > length + 1;
    if (isProperAncestor && length > longest) longest = length;
  }
  return longest;
}
