import { constants } from 'node:fs';
import { access, lstat, readlink, realpath, stat } from 'node:fs/promises';
import { readBoundedFile } from './read-bounded-file.js';

/**
 * Whether a directory is one git would use as a git directory (git's `is_git_directory`), or a problem when
 * answering would make git hang or die on it.
 */
export type GitDirectoryCheck =
  | { kind: 'git-directory'; commonDirectory: string }
  | { kind: 'not-git-directory' }
  | { kind: 'problem'; problem: string };

/** The outcome of reading a `.git` entry as a gitfile (git's `read_gitfile_gently`). */
export type GitFileRead =
  | { kind: 'no-entry' }
  | { kind: 'not-a-file' }
  | { kind: 'git-file'; gitDirectory: string }
  | { kind: 'problem'; problem: string };

const hexObjectName = /^[0-9a-fA-F]{40}/;
const gitFilePrefix = 'gitdir: ';

/**
 * Mirrors git's `is_git_directory`: HEAD is a valid head ref, and the common directory (from a `commondir` file,
 * else the directory itself) has searchable `objects` and `refs`. Paths are joined as strings, as git does, so the
 * kernel resolves `..` and symlinks exactly as it will for git.
 */
export async function checkGitDirectory(suspect: string): Promise<GitDirectoryCheck> {
  const head = await checkHeadRef(`${suspect}/HEAD`);
  if (head !== 'valid')
    return head === 'invalid' ? { kind: 'not-git-directory' } : { kind: 'problem', problem: head };
  const common = await readCommonDirectory(suspect);
  if (common.kind === 'problem') return common;
  const commonDirectory = common.kind === 'common-directory' ? common.path : suspect;
  if (
    !(await isSearchable(`${commonDirectory}/objects`)) ||
    !(await isSearchable(`${commonDirectory}/refs`))
  ) {
    return { kind: 'not-git-directory' };
  }
  return {
    kind: 'git-directory',
    commonDirectory: await realpath(commonDirectory).catch(() => commonDirectory),
  };
}

/** git's `validate_headref`: a symlink into refs/, `ref: refs/…`, or a 40-hex object name. */
async function checkHeadRef(path: string): Promise<'valid' | 'invalid' | string> {
  let status;
  try {
    status = await lstat(path);
  } catch {
    return 'invalid';
  }
  if (status.isSymbolicLink()) {
    const target = await readlink(path).catch(() => '');
    return target.startsWith('refs/') ? 'valid' : 'invalid';
  }
  if (status.isFIFO() || status.isCharacterDevice() || status.isBlockDevice() || status.isSocket()) {
    return `${path} is not a regular file; git would block or fail reading it`;
  }
  const read = await readBoundedFile(path, 1 << 20);
  if (read.kind !== 'content') return 'invalid';
  const text = read.bytes.subarray(0, 255).toString('latin1');
  if (text.startsWith('ref:') && text.slice(4).trimStart().startsWith('refs/')) return 'valid';
  return hexObjectName.test(text) ? 'valid' : 'invalid';
}

type CommonDirectoryRead =
  { kind: 'none' } | { kind: 'common-directory'; path: string } | { kind: 'problem'; problem: string };

/** git's `get_common_dir_noenv`: the `commondir` file, trailing newlines removed, relative to the git directory. */
export async function readCommonDirectory(gitDirectory: string): Promise<CommonDirectoryRead> {
  const file = `${gitDirectory}/commondir`;
  const exists = await stat(file).then(
    () => true,
    () => false,
  );
  if (!exists) return { kind: 'none' };
  const read = await readBoundedFile(file);
  if (read.kind !== 'content') {
    const reason = read.kind === 'missing' ? 'vanished while being read' : read.reason;
    return { kind: 'problem', problem: `${file} ${reason}; git would block or die reading it` };
  }
  const text = cutAtNul(read.bytes.toString('utf8')).replace(/[\r\n]+$/, '');
  if (text === '') return { kind: 'problem', problem: `${file} is empty; git dies on it` };
  const joined = text.startsWith('/') ? text : `${gitDirectory}/${text}`;
  try {
    return { kind: 'common-directory', path: await realpath(joined) };
  } catch {
    return { kind: 'problem', problem: `${file} names ${text}, which does not exist; git dies on it` };
  }
}

/**
 * git's `read_gitfile_gently` for a `.git` entry: a regular file (symlinks followed) of at most 1 MiB that starts
 * with `gitdir: `; the path after it (trailing newlines removed) is relative to the file's directory and must be a
 * git directory. Anything git would die on is a problem.
 */
export async function readGitFile(path: string): Promise<GitFileRead> {
  let status;
  try {
    status = await stat(path);
  } catch {
    return { kind: 'no-entry' };
  }
  if (!status.isFile()) return { kind: 'not-a-file' };
  const read = await readBoundedFile(path);
  if (read.kind !== 'content') {
    const reason = read.kind === 'missing' ? 'vanished while being read' : read.reason;
    return { kind: 'problem', problem: `${path} ${reason}; git refuses such a .git file` };
  }
  const text = cutAtNul(read.bytes.toString('utf8'));
  if (!text.startsWith(gitFilePrefix)) {
    return {
      kind: 'problem',
      problem: `${path} does not start with "gitdir: "; git refuses such a .git file`,
    };
  }
  const named = text.slice(gitFilePrefix.length).replace(/[\r\n]+$/, '');
  if (named === '') return { kind: 'problem', problem: `${path} names no git directory; git refuses it` };
  const directory = path.slice(0, path.lastIndexOf('/') + 1);
  const joined = named.startsWith('/') ? named : `${directory}${named}`;
  const check = await checkGitDirectory(joined);
  if (check.kind === 'problem') return check;
  if (check.kind === 'not-git-directory') {
    return {
      kind: 'problem',
      problem: `${path} names ${named}, which is not a git directory; git refuses it`,
    };
  }
  try {
    return { kind: 'git-file', gitDirectory: await realpath(joined) };
  } catch {
    return { kind: 'problem', problem: `${path} names ${named}, which cannot be resolved` };
  }
}

async function isSearchable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

function cutAtNul(text: string): string {
  const nul = text.indexOf('\0');
  return nul === -1 ? text : text.slice(0, nul);
}
