// Snapshots of host paths, to tell whether a session created, changed or deleted something: a file by its kind,
// mode and content digest, a directory by the same of everything under it.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** What a path held at one moment. */
export interface PathState {
  kind: 'missing' | 'file' | 'directory' | 'symlink' | 'other';
  mode?: number;
  /** sha256 of the content (file), the target (symlink) or the listing with every entry's state (directory). */
  digest?: string;
}

/** Paths under a directory to leave out of its state, relative to it (`sessions`, `nats`…). */
export type Exclusion = (relativePath: string) => boolean;

const maxEntries = 5000;

/** The state of `path` now; a directory's digest covers everything under it (up to 5000 entries). */
export async function pathState(path: string, exclude: Exclusion = () => false): Promise<PathState> {
  const budget = { entries: maxEntries };
  return stateOf(path, '', exclude, budget);
}

async function stateOf(
  path: string,
  relative: string,
  exclude: Exclusion,
  budget: { entries: number },
): Promise<PathState> {
  let stats;
  try {
    stats = await lstat(path);
  } catch {
    return { kind: 'missing' };
  }
  const mode = stats.mode & 0o7777;
  if (stats.isSymbolicLink()) return { kind: 'symlink', mode, digest: digestOf(await readlink(path)) };
  if (stats.isFile()) return { kind: 'file', mode, digest: digestOf(await readFile(path)) };
  if (!stats.isDirectory()) return { kind: 'other', mode };
  const hash = createHash('sha256');
  const names = (await readdir(path).catch(() => [] as string[])).sort();
  for (const name of names) {
    const childRelative = relative === '' ? name : `${relative}/${name}`;
    if (exclude(childRelative)) continue;
    budget.entries -= 1;
    if (budget.entries < 0) {
      hash.update('…more entries');
      break;
    }
    hash.update(
      `${name}\0${JSON.stringify(await stateOf(join(path, name), childRelative, exclude, budget))}\n`,
    );
  }
  return { kind: 'directory', mode, digest: hash.digest('hex') };
}

function digestOf(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Whether two states differ (created, deleted, changed content or mode). */
export function hasChanged(before: PathState, after: PathState): boolean {
  return before.kind !== after.kind || before.mode !== after.mode || before.digest !== after.digest;
}

/** Short text for a change, for reports: `created`, `deleted`, `changed`. */
export function describeChange(before: PathState, after: PathState): string {
  if (before.kind === 'missing') return `created (${after.kind})`;
  if (after.kind === 'missing') return `deleted (was a ${before.kind})`;
  if (before.kind !== after.kind) return `replaced: ${before.kind} → ${after.kind}`;
  if (before.mode !== after.mode) return `mode ${before.mode?.toString(8)} → ${after.mode?.toString(8)}`;
  return 'content changed';
}
