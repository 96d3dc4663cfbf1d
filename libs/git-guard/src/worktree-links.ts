import { checkGitDirectory, readCommonDirectory } from './git-directory.js';
import { isDirectoryEntry, listDirectory } from './list-directory.js';
import { checkInsideRoots } from './path-inside-roots.js';
import { readBoundedFile } from './read-bounded-file.js';

/** The deepest `modules/` nesting followed (submodule names may contain slashes, and submodules nest). */
const maxModuleDepth = 12;

/**
 * Checks the `gitdir` file of a linked worktree's administrative directory (it names the worktree's `.git` file,
 * which `git worktree repair`, `move` and `remove` write to): the path must lead inside the allowed roots.
 */
export async function checkWorktreeGitdirFile(
  adminDirectory: string,
  allowedRoots: readonly string[],
): Promise<string[]> {
  const file = `${adminDirectory}/gitdir`;
  const read = await readBoundedFile(file);
  if (read.kind === 'missing') return [];
  if (read.kind === 'refused') return [`${file} ${read.reason}; refused`];
  const named = read.bytes.toString('utf8').replace(/[\r\n]+$/, '');
  if (named === '') return [];
  const absolute = named.startsWith('/') ? named : `${adminDirectory}/${named}`;
  const problem = await checkInsideRoots(`${file} (the linked worktree it records)`, absolute, allowedRoots);
  return problem === undefined ? [] : [problem];
}

/** The administrative directories under `<common>/worktrees/`, with their `commondir` checked to stay inside. */
export async function listWorktreeAdministrations(
  commonDirectory: string,
  allowedRoots: readonly string[],
): Promise<{ directories: string[]; problems: string[] }> {
  const root = `${commonDirectory}/worktrees`;
  const listing = await listDirectory(root);
  if (listing.kind === 'problem') return { directories: [], problems: [listing.problem] };
  const directories: string[] = [];
  const problems: string[] = [];
  for (const entry of listing.entries) {
    const directory = `${root}/${entry.name}`;
    if (!(await isDirectoryEntry(entry, directory))) continue;
    directories.push(directory);
    const common = await readCommonDirectory(directory);
    if (common.kind === 'problem') problems.push(common.problem);
    if (common.kind === 'common-directory') {
      const problem = await checkInsideRoots(`${directory}/commondir`, common.path, allowedRoots);
      if (problem !== undefined) problems.push(problem);
    }
  }
  return { directories, problems };
}

/**
 * The git directories of submodules under `<common>/modules/` (git keeps them there and uses them when it recurses
 * into a submodule). A directory that is a git directory is returned and not descended into (its own `modules/` is
 * found when it is inspected); others are searched, since submodule names may contain slashes.
 */
export async function findModuleGitDirectories(
  commonDirectory: string,
): Promise<{ gitDirectories: string[]; problems: string[] }> {
  const gitDirectories: string[] = [];
  const problems: string[] = [];
  const pending: Array<{ path: string; depth: number }> = [{ path: `${commonDirectory}/modules`, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const listing = await listDirectory(next.path);
    if (listing.kind === 'problem') problems.push(listing.problem);
    for (const entry of listing.kind === 'entries' ? listing.entries : []) {
      const path = `${next.path}/${entry.name}`;
      if (!(await isDirectoryEntry(entry, path))) continue;
      const check = await checkGitDirectory(path);
      if (check.kind === 'problem') problems.push(check.problem);
      else if (check.kind === 'git-directory') gitDirectories.push(path);
      else if (next.depth < maxModuleDepth) pending.push({ path, depth: next.depth + 1 });
      else problems.push(`${path} is nested too deeply under modules/ to inspect; refused`);
    }
  }
  return { gitDirectories, problems };
}
