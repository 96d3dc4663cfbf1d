import { lstatSync, readdirSync, type Dirent } from 'node:fs';
import { posix } from 'node:path';
import type { ArgumentRole } from '../argument-roles.js';
import type { ResolvedArgumentRoles } from '../evaluate/resolve-tool-annotation.js';
import { isWithin } from '../path-within.js';
import { readPathStates, type PathState } from '../path-states.js';
import { secretStorePatternOf } from '../secret-store-names.js';

// A directory with more entries than this (all levels) is not searched to the end: it counts as possibly holding
// a secret store. Bounds the work a prepare does for a delete of a large tree.
const maximumScannedEntries = 10_000;

// The roles whose values are recorded: a write may replace a file, a delete may remove a secret store.
const recordedRoles: ReadonlySet<ArgumentRole> = new Set(['write-path', 'delete-path']);

/**
 * What is at a canonical (real, absolute) path now: nothing, a file (anything but a directory, a dangling link
 * included), or a directory — searched without following links for a file whose name is a secret store. The result
 * depends only on what is on disk, never on the order a directory lists its entries. Throws when the path cannot be
 * inspected (permissions).
 */
export function inspectPathState(path: string): PathState {
  let stats;
  try {
    stats = lstatSync(path, { throwIfNoEntry: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return 'absent';
    throw error;
  }
  if (stats === undefined) return 'absent';
  return stats.isDirectory() ? searchDirectory(path) : 'file';
}

/**
 * The states of every `write-path` and `delete-path` value outside the sandbox (canonical paths), by path in
 * sorted order; what canonicalization records under `pathStatesArgument`. `sandboxDir` must be real.
 */
export function recordPathStates(
  canonicalArguments: ReadonlyMap<string, unknown>,
  roles: ResolvedArgumentRoles,
  sandboxDir: string,
): Record<string, PathState> {
  const paths = new Set<string>();
  for (const [argument, argumentRoles] of roles) {
    if (!argumentRoles.some((role) => recordedRoles.has(role))) continue;
    for (const value of stringsOf(canonicalArguments.get(argument))) {
      if (value.startsWith('/') && !isWithin(value, sandboxDir)) paths.add(value);
    }
  }
  const sorted = [...paths].sort();
  return Object.fromEntries(sorted.map((path) => [path, inspectPathState(path)]));
}

/** A recorded path whose state is not what it was when the call was decided. */
export interface ChangedPathState {
  path: string;
  recorded: string;
  now: string;
}

/**
 * The gateway's check right before it runs a call: every path state canonicalization recorded is inspected again,
 * and the first that changed is returned (say a file created since the decision, which would turn a create the
 * policy allowed into an overwrite it did not). Undefined when none changed. Malformed states count as changed.
 */
export function findChangedPathState(
  canonicalArguments: Readonly<Record<string, unknown>>,
): ChangedPathState | undefined {
  const recorded = readPathStates(canonicalArguments);
  if (!recorded.ok) return { path: '(path states)', recorded: 'malformed', now: recorded.reason };
  for (const [path, state] of recorded.states) {
    let now: string;
    try {
      now = inspectPathState(path);
    } catch (error) {
      now = `not inspectable (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
    }
    if (now !== state) return { path, recorded: state, now };
  }
  return undefined;
}

function searchDirectory(root: string): PathState {
  const pending = [root];
  let scanned = 0;
  let hasSecret = false;
  while (pending.length > 0) {
    const directory = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch {
      return 'directory-unchecked';
    }
    scanned += entries.length;
    if (scanned > maximumScannedEntries) return 'directory-unchecked';
    for (const entry of entries) {
      const path = posix.join(directory, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (secretStorePatternOf(path) !== undefined) hasSecret = true;
    }
  }
  return hasSecret ? 'directory-with-secret' : 'directory';
}

function stringsOf(value: unknown): string[] {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  return items.filter((item): item is string => typeof item === 'string');
}
