import { stat } from 'node:fs/promises';
import { listDirectory } from './list-directory.js';
import { describeType } from './read-bounded-file.js';
import { isInsideRoots, resolveAsKernel } from './path-inside-roots.js';

/** Shared across one inspection: what was walked already, and how many more entries may be looked at. */
export interface WalkBudget {
  visitedDirectories: Set<string>;
  remainingEntries: number;
}

/** A generous bound: a git directory with more entries than this is refused rather than half inspected. */
export const maxWalkedEntries = 500_000;

/**
 * Walks a git directory tree and returns its problems: a symlink that leads outside the allowed roots (or cannot be
 * resolved), and FIFOs or device files (git would block on them or read a device). Symlinked directories inside the
 * roots are walked too, since git follows them (`objects` may be a symlink to a directory holding more symlinks).
 */
export async function checkGitDirectoryTree(
  root: string,
  allowedRoots: readonly string[],
  budget: WalkBudget,
): Promise<string[]> {
  const problems: string[] = [];
  const pending = [root];
  for (let directory = pending.pop(); directory !== undefined; directory = pending.pop()) {
    if (budget.visitedDirectories.has(directory)) continue;
    budget.visitedDirectories.add(directory);
    const listing = await listDirectory(directory);
    if (listing.kind === 'problem') {
      problems.push(listing.problem);
      continue;
    }
    const entries = listing.entries;
    budget.remainingEntries -= entries.length;
    if (budget.remainingEntries < 0) {
      return [
        `${root} holds more than ${maxWalkedEntries} files; refused rather than half inspected (git gc packs loose objects)`,
      ];
    }
    for (const entry of entries) {
      const path = `${directory}/${entry.name}`;
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isSymbolicLink()) {
        const followed = await followSymlink(path, allowedRoots);
        if (followed.kind === 'problem') problems.push(followed.problem);
        else if (followed.isDirectory) pending.push(followed.target);
      } else if (entry.isFIFO() || entry.isCharacterDevice() || entry.isBlockDevice()) {
        problems.push(`${path} is ${describeType(entry)}; git would block on it or read a device`);
      }
    }
  }
  return problems;
}

type FollowedLink =
  { kind: 'inside'; target: string; isDirectory: boolean } | { kind: 'problem'; problem: string };

async function followSymlink(path: string, allowedRoots: readonly string[]): Promise<FollowedLink> {
  const resolved = await resolveAsKernel(path);
  if (resolved.kind === 'unresolvable') {
    return { kind: 'problem', problem: `${path} is a symlink that cannot be resolved (${resolved.reason})` };
  }
  if (!isInsideRoots(resolved.path, allowedRoots)) {
    return {
      kind: 'problem',
      problem: `${path} is a symlink to ${resolved.path}, outside the session sandbox; git would read or write there`,
    };
  }
  const status = await stat(resolved.path).catch(() => undefined);
  return { kind: 'inside', target: resolved.path, isDirectory: status?.isDirectory() ?? false };
}
