import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { AppError } from '@ironcurtain/errors';
import { PolicyErrorCode } from '../policy-error.js';

/** Where `~` and relative paths point. */
export interface PathBase {
  /** Replaces a leading `~` or `~/`; without it such a path cannot be resolved. */
  homeDir?: string;
  /** Relative paths are resolved against it (the session sandbox); without it they cannot be resolved. */
  baseDir?: string;
}

// Linux gives up after 40 links in one lookup; so do we.
const maximumSymlinks = 40;

/**
 * The symlink-aware absolute form of `path`: `~` expanded, a relative path made absolute against `base.baseDir`,
 * then walked one component at a time: every symlink met is followed (a dangling one too), `..` applies to the
 * real directory reached so far, and components that do not exist are attached as written. That is the deepest
 * existing ancestor's real path with the rest re-attached, so neither `..`, `~` nor a symlink can make a path look
 * like it is somewhere it is not. Throws an AppError `INVALID_ARGUMENTS` for `~` or a relative path without a
 * base, and for a component that cannot be inspected (permissions, a symlink loop).
 */
export function resolveRealPath(path: string, base: PathBase = {}): string {
  const absolute = toAbsolute(path, base);
  const pending = absolute.split('/').filter((part) => part !== '');
  let resolved = '/';
  let symlinks = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      resolved = posix.dirname(resolved);
      continue;
    }
    // Every component is inspected, even below a missing one: `missing/../link` must still follow `link`.
    const candidate = posix.join(resolved, part);
    const entry = inspect(candidate);
    if (entry.kind !== 'symlink') {
      resolved = candidate;
      continue;
    }
    const target = entry.target;
    symlinks += 1;
    if (symlinks > maximumSymlinks) throw invalidPath(path, 'too many levels of symbolic links');
    if (target.startsWith('/')) resolved = '/';
    pending.unshift(...target.split('/').filter((piece) => piece !== ''));
  }
  return resolved;
}

function toAbsolute(path: string, base: PathBase): string {
  if (path === '~' || path.startsWith('~/')) {
    if (base.homeDir === undefined) throw invalidPath(path, 'a "~" path needs the home directory');
    return posix.join(base.homeDir, path.slice(1));
  }
  if (path.startsWith('/')) return path;
  if (base.baseDir === undefined) throw invalidPath(path, 'a relative path needs the sandbox directory');
  return posix.join(base.baseDir, path);
}

type Entry = { kind: 'missing' } | { kind: 'present' } | { kind: 'symlink'; target: string };

function inspect(candidate: string): Entry {
  try {
    const stats = lstatSync(candidate, { throwIfNoEntry: false });
    if (stats === undefined) return { kind: 'missing' };
    if (!stats.isSymbolicLink()) return { kind: 'present' };
    return { kind: 'symlink', target: readlinkSync(candidate, 'utf8') };
  } catch (error) {
    if (isMissing(error)) return { kind: 'missing' };
    throw invalidPath(candidate, `cannot be inspected (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function invalidPath(path: string, problem: string): AppError {
  return new AppError(PolicyErrorCode.InvalidArguments, `path ${JSON.stringify(path)}: ${problem}`);
}
