import { hasControlCharacters } from './control-characters.js';
import { isPlainObject } from './is-plain-object.js';

/**
 * The argument canonicalization adds to a call that writes or deletes outside the session sandbox: for each such
 * path value, what was on disk there when the call was prepared. It is part of the canonical arguments, so the
 * decision and its signature cover it; the gateway checks it again right before running the call and removes it
 * from what the server receives. A call that arrives with it already set is invalid.
 */
export const pathStatesArgument = 'ironcurtain:path-states';

/** Why a call that arrives with {@link pathStatesArgument} is invalid. */
export const reservedPathStatesReason = `argument "${pathStatesArgument}" is reserved: the gateway records there what it found on disk`;

/** What a path held when the call was prepared. */
export const pathStates = [
  /** Nothing: a write creates it. */
  'absent',
  /** A file (anything but a directory): a write replaces it, which destroys what it held. */
  'file',
  /** A directory holding no secret store. */
  'directory',
  /** A directory holding a secret store (see `secretStorePatterns`) somewhere below it. */
  'directory-with-secret',
  /** A directory too large, or partly unreadable, to show that it holds none. */
  'directory-unchecked',
] as const;

/** One of {@link pathStates}. */
export type PathState = (typeof pathStates)[number];

/** The recorded states by canonical path (empty when the call carries none), or why they are malformed. */
export type PathStatesResult =
  { ok: true; states: ReadonlyMap<string, PathState> } | { ok: false; reason: string };

/** True for the states a delete must not remove: a directory that holds, or may hold, a secret store. */
export function mayHoldSecret(state: PathState | undefined): boolean {
  return state === 'directory-with-secret' || state === 'directory-unchecked';
}

/** Reads {@link pathStatesArgument} from (canonical) arguments. Pure; never throws. */
export function readPathStates(callArguments: Readonly<Record<string, unknown>>): PathStatesResult {
  if (!Object.hasOwn(callArguments, pathStatesArgument)) return { ok: true, states: new Map() };
  const raw = callArguments[pathStatesArgument];
  const malformed = (problem: string): PathStatesResult => ({
    ok: false,
    reason: `argument "${pathStatesArgument}" ${problem}`,
  });
  if (!isPlainObject(raw)) return malformed('must be an object of path states');
  const states = new Map<string, PathState>();
  for (const [path, state] of Object.entries(raw)) {
    if (!path.startsWith('/') || hasControlCharacters(path))
      return malformed('names a path that is not absolute');
    if (!isPathState(state)) return malformed(`gives ${JSON.stringify(path)} an unknown state`);
    states.set(path, state);
  }
  return { ok: true, states };
}

/** The arguments without {@link pathStatesArgument}: what the server is sent. */
export function withoutPathStates(callArguments: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(callArguments).filter(([key]) => key !== pathStatesArgument));
}

function isPathState(value: unknown): value is PathState {
  return typeof value === 'string' && (pathStates as readonly string[]).includes(value);
}
