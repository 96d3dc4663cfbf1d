import type { ArgumentRole } from '../argument-roles.js';
import { readPathStates, type PathState } from '../path-states.js';
import type {
  ArgumentRoleSpec,
  RoleCondition,
  StoredToolAnnotation,
} from '../schemas/tool-annotations-schema.js';

/** Each annotated argument's roles for one particular call. */
export type ResolvedArgumentRoles = ReadonlyMap<string, readonly ArgumentRole[]>;

/** A tool annotation with its conditional roles resolved against one call's arguments. */
export interface ResolvedToolAnnotation {
  readonly serverName: string;
  readonly toolName: string;
  readonly sideEffects: boolean | undefined;
  readonly args: ResolvedArgumentRoles;
}

/**
 * Resolves every argument's roles for this call: a fixed list as is; a conditional block by its first `when` whose
 * condition holds, else its `default` (the most restrictive set). Only the call's own keys count, so an argument
 * named `constructor` or `__proto__` is never "present" by inheritance. A git remote given as an absolute path is a
 * local repository: that argument reads the path, so its `git-remote-url` role becomes `read-path` (canonicalization
 * turns a clone's relative or `file://` source into such a path first). A `write-path` argument whose value
 * canonicalization found to be an existing file (`pathStatesArgument`, state `file`) replaces that file, which
 * destroys what it held: it carries `delete-path` as well.
 */
export function resolveToolAnnotation(
  stored: StoredToolAnnotation,
  callArguments: Readonly<Record<string, unknown>>,
): ResolvedToolAnnotation {
  const recorded = readPathStates(callArguments);
  const states = recorded.ok ? recorded.states : new Map<string, PathState>();
  const args = new Map<string, readonly ArgumentRole[]>();
  for (const [name, spec] of Object.entries(stored.args)) {
    const roles = resolveRoleSpec(spec, callArguments);
    const value = Object.hasOwn(callArguments, name) ? callArguments[name] : undefined;
    const resolved = isLocalRepository(value) ? asLocalRepositoryRoles(roles) : roles;
    args.set(name, replacesFile(resolved, value, states) ? [...resolved, 'delete-path'] : resolved);
  }
  return { serverName: stored.serverName, toolName: stored.toolName, sideEffects: stored.sideEffects, args };
}

/** The roles of one argument spec for this call. */
export function resolveRoleSpec(
  spec: ArgumentRoleSpec,
  callArguments: Readonly<Record<string, unknown>>,
): readonly ArgumentRole[] {
  if (Array.isArray(spec)) return spec;
  const match = spec.when.find((entry) => roleConditionHolds(entry.condition, callArguments));
  return match === undefined ? spec.default : match.roles;
}

/** Whether one `when` condition holds: `equals`, `in`, or `is` present | absent | truthy | falsy. */
export function roleConditionHolds(
  condition: RoleCondition,
  callArguments: Readonly<Record<string, unknown>>,
): boolean {
  const isPresent = Object.hasOwn(callArguments, condition.arg);
  const value = isPresent ? callArguments[condition.arg] : undefined;
  if (condition.equals !== undefined) return isPresent && value === condition.equals;
  if (condition.in !== undefined) return isPresent && condition.in.some((candidate) => candidate === value);
  switch (condition.is) {
    case 'present':
      return value !== undefined && value !== null;
    case 'absent':
      return value === undefined || value === null;
    case 'truthy':
      return Boolean(value);
    case 'falsy':
      return !value;
    default:
      return false;
  }
}

// Every value an absolute path: a local repository (a mix of paths and remotes keeps the remote role, and the path
// then fails as a remote URL).
function isLocalRepository(value: unknown): boolean {
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return values.length > 0 && values.every((item) => typeof item === 'string' && item.startsWith('/'));
}

// A write onto a file that exists: the values are canonical paths, the keys of the recorded states.
function replacesFile(
  roles: readonly ArgumentRole[],
  value: unknown,
  states: ReadonlyMap<string, PathState>,
): boolean {
  if (!roles.includes('write-path') || roles.includes('delete-path') || states.size === 0) return false;
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return values.some((item) => typeof item === 'string' && states.get(item) === 'file');
}

function asLocalRepositoryRoles(roles: readonly ArgumentRole[]): readonly ArgumentRole[] {
  if (!roles.includes('git-remote-url')) return roles;
  return [...new Set(roles.map((role): ArgumentRole => (role === 'git-remote-url' ? 'read-path' : role)))];
}
