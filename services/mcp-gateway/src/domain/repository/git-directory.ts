import { lstatSync, statSync } from 'node:fs';
import { posix } from 'node:path';

/**
 * The git directory at or above `path` (a canonical absolute path, which may not exist yet), or undefined. A path
 * is inside one when a component is named `.git` (any case: a case-insensitive filesystem, or git's own NTFS and
 * HFS+ protections, read `.GIT` as `.git`), or when the path or an existing ancestor looks like a git directory — a
 * `HEAD` file, a `commondir` or `gitdir` file, or both `objects/` and `refs/` — which covers a directory a `.git`
 * file points to and a bare repository. Nothing is run and nothing is followed but the path itself.
 */
export function gitDirectoryAround(path: string): string | undefined {
  const components = path.split('/').filter((component) => component !== '');
  const dotGit = components.findIndex((component) => component.toLowerCase() === '.git');
  if (dotGit !== -1) return `/${components.slice(0, dotGit + 1).join('/')}`;
  for (let directory = path; ; directory = posix.dirname(directory)) {
    if (looksLikeGitDirectory(directory)) return directory;
    if (directory === '/') return undefined;
  }
}

function looksLikeGitDirectory(directory: string): boolean {
  if (kindOf(directory) !== 'directory') return false;
  const at = (name: string) => kindOf(posix.join(directory, name));
  return (
    at('HEAD') === 'file' ||
    at('commondir') === 'file' ||
    at('gitdir') === 'file' ||
    (at('objects') === 'directory' && at('refs') === 'directory')
  );
}

function kindOf(path: string): 'file' | 'directory' | 'other' | undefined {
  try {
    const stats = lstatSync(path, { throwIfNoEntry: false });
    if (stats === undefined) return undefined;
    if (stats.isSymbolicLink()) return kindOfTarget(path);
    return stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
  } catch {
    return 'other';
  }
}

// git follows a symlinked HEAD or objects directory, so the check does too.
function kindOfTarget(path: string): 'file' | 'directory' | 'other' | undefined {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return undefined;
  return stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
}
