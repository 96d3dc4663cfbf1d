import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { gitConfigValues, parseGitConfig, type GitConfigEntry } from './parse-git-config.js';

/** What remote resolution needs from a repository, read from its files (git is never run). */
export interface GitRepository {
  /** The directory holding HEAD (for a linked worktree, its private git directory). */
  gitDir: string;
  /** The directory holding the shared config (the main repository's git directory). */
  commonDir: string;
  /** The repository config, plus `config.worktree` when `extensions.worktreeConfig` is on. */
  config: GitConfigEntry[];
  /** The checked-out branch, or undefined for a detached HEAD. */
  branch: string | undefined;
}

/** Thrown when a repository exists but cannot be read safely; the message says why. */
export class GitRepositoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitRepositoryError';
  }
}

const maximumFileBytes = 1024 * 1024;

/**
 * Finds the repository containing `startPath` the way git discovers it — walking up to a `.git` directory, a `.git`
 * file (`gitdir: …`, for worktrees and submodules) or a bare repository — and reads its config and HEAD as plain
 * files. Returns undefined when there is none. Never runs git, never follows `include`: a repository's config can
 * name commands (`core.fsmonitor`, `core.sshCommand`) that git would run, and here nothing is run.
 */
export function findGitRepository(startPath: string): GitRepository | undefined {
  for (let directory = posix.resolve(startPath); ; directory = posix.dirname(directory)) {
    const gitDir = gitDirectoryAt(directory);
    if (gitDir !== undefined) return readRepository(gitDir);
    if (directory === '/') return undefined;
  }
}

function gitDirectoryAt(directory: string): string | undefined {
  const dotGit = posix.join(directory, '.git');
  const kind = kindOf(dotGit);
  if (kind === 'directory') return dotGit;
  if (kind === 'file') {
    const match = /^gitdir:[ \t]*(.+?)[ \t]*\r?\n?$/.exec(readSmallFile(dotGit) ?? '');
    if (match === null) throw new GitRepositoryError(`${dotGit} is a file without a "gitdir:" line`);
    return posix.resolve(directory, match[1] as string);
  }
  const isBare =
    kindOf(posix.join(directory, 'HEAD')) === 'file' &&
    kindOf(posix.join(directory, 'objects')) === 'directory' &&
    kindOf(posix.join(directory, 'refs')) === 'directory';
  return isBare ? directory : undefined;
}

function readRepository(gitDir: string): GitRepository {
  const commonDirText = readSmallFile(posix.join(gitDir, 'commondir'));
  const commonDir = commonDirText === undefined ? gitDir : posix.resolve(gitDir, commonDirText.trim());
  const config = readConfig(posix.join(commonDir, 'config'));
  const worktreeConfig = gitConfigValues(config, 'extensions', undefined, 'worktreeconfig').at(-1);
  if (
    worktreeConfig === true ||
    (typeof worktreeConfig === 'string' && /^(true|yes|on|1)$/i.test(worktreeConfig))
  ) {
    config.push(...readConfig(posix.join(gitDir, 'config.worktree')));
  }
  if (config.some((entry) => entry.section === 'include' || entry.section === 'includeif')) {
    throw new GitRepositoryError(
      `${commonDir}/config includes other files; remote resolution does not follow them`,
    );
  }
  const head = readSmallFile(posix.join(gitDir, 'HEAD'));
  const branch = head === undefined ? undefined : /^ref:[ \t]*refs\/heads\/(.+?)\s*$/.exec(head)?.[1];
  return { gitDir, commonDir, config, branch };
}

function readConfig(path: string): GitConfigEntry[] {
  const text = readSmallFile(path);
  if (text === undefined) return [];
  try {
    return parseGitConfig(text);
  } catch (error) {
    throw new GitRepositoryError(`${path}: ${(error as Error).message}`);
  }
}

function kindOf(path: string): 'file' | 'directory' | 'other' | undefined {
  try {
    const stats = statSync(path, { throwIfNoEntry: false }) ?? lstatSync(path, { throwIfNoEntry: false });
    if (stats === undefined) return undefined;
    return stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
  } catch {
    return undefined;
  }
}

// Reads a regular file of at most 1 MiB; undefined when absent. Non-blocking open, so a FIFO planted where a config
// file should be cannot hang the caller.
function readSmallFile(path: string): string | undefined {
  let descriptor: number;
  try {
    descriptor = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new GitRepositoryError(`${path} cannot be read (${code ?? 'error'})`);
  }
  try {
    if (!fstatSync(descriptor).isFile()) throw new GitRepositoryError(`${path} is not a regular file`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const read = readSync(descriptor, chunk, 0, chunk.length, null);
      if (read === 0) return Buffer.concat(chunks).toString('utf8');
      total += read;
      if (total > maximumFileBytes)
        throw new GitRepositoryError(`${path} is larger than ${maximumFileBytes} bytes`);
      chunks.push(chunk.subarray(0, read));
    }
  } finally {
    closeSync(descriptor);
  }
}
