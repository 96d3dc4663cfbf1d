import { roleKindOf, type ArgumentRole } from '../argument-roles.js';
import { parseGitRemote } from '../canonicalize/git-remote-url.js';
import { normalizeFetchUrl } from '../canonicalize/normalize-fetch-url.js';
import { hasControlCharacters } from '../control-characters.js';
import type { DomainTarget } from '../domain-match.js';
import { normalizeDecisionPath } from './decision-path.js';
import type { EvaluationContext } from './evaluation-types.js';
import type { ResolvedToolAnnotation } from './resolve-tool-annotation.js';

/** One value an argument carries for a role, in the form the decision compares. */
export interface RoleValue {
  /** The argument it came from. */
  argument: string;
  /** Paths: absolute host path; fetch-url: the URL; git-remote-url: `host/owner/repo`; identifiers: lowercase. */
  value: string;
  /** For URL roles: what domain patterns compare with. */
  domain?: DomainTarget;
}

/** Every role of the tool with the values the call gives it (possibly none). */
export type RoleValues = ReadonlyMap<ArgumentRole, readonly RoleValue[]>;

/** The role values, or why the arguments cannot be evaluated (decision `invalid-arguments`). */
export type RoleValuesResult = { ok: true; values: RoleValues } | { ok: false; reason: string };

/**
 * Collects, per role, the string values of the arguments that carry it, normalized for the decision. For path,
 * URL and identifier roles a value must be a string or an array of strings without control characters, must parse
 * (URLs, git remotes) and must be placeable (paths); anything else makes the whole call invalid rather than being
 * skipped, since a skipped value is a value nobody checked.
 */
export function collectRoleValues(
  callArguments: Readonly<Record<string, unknown>>,
  annotation: ResolvedToolAnnotation,
  context: EvaluationContext,
): RoleValuesResult {
  const values = new Map<ArgumentRole, RoleValue[]>();
  for (const [argument, roles] of annotation.args) {
    const raw = Object.hasOwn(callArguments, argument) ? callArguments[argument] : undefined;
    for (const role of roles) {
      const list = values.get(role) ?? [];
      values.set(role, list);
      const problem = addValues(list, role, argument, raw, context);
      if (problem !== undefined) return { ok: false, reason: problem };
    }
  }
  return { ok: true, values };
}

function addValues(
  list: RoleValue[],
  role: ArgumentRole,
  argument: string,
  raw: unknown,
  context: EvaluationContext,
): string | undefined {
  const isChecked = roleKindOf(role) !== 'opaque';
  const items = raw === undefined || raw === null ? [] : Array.isArray(raw) ? (raw as unknown[]) : [raw];
  for (const item of items) {
    if (typeof item !== 'string') {
      if (!isChecked) continue;
      return `argument "${argument}" (role ${role}) must be a string or an array of strings`;
    }
    if (!isChecked) {
      list.push({ argument, value: item });
      continue;
    }
    if (hasControlCharacters(item))
      return `argument "${argument}" (role ${role}) contains a control character`;
    if (role === 'git-remote-url' && item === '') continue;
    const normalized = normalizeValue(role, item, context);
    if (normalized === undefined)
      return `argument "${argument}" (role ${role}): ${describeUnusable(role, item)}`;
    list.push({ argument, ...normalized });
  }
  return undefined;
}

function normalizeValue(
  role: ArgumentRole,
  item: string,
  context: EvaluationContext,
): Omit<RoleValue, 'argument'> | undefined {
  switch (roleKindOf(role)) {
    case 'path': {
      const path = item === '' ? undefined : normalizeDecisionPath(item, context);
      return path === undefined ? undefined : { value: path };
    }
    case 'identifier':
      return { value: item.toLowerCase() };
    default:
      return role === 'fetch-url' ? fetchUrlValue(item) : gitRemoteValue(item);
  }
}

function fetchUrlValue(item: string): Omit<RoleValue, 'argument'> | undefined {
  const url = normalizeFetchUrl(item);
  return url === undefined ? undefined : { value: url.href, domain: { host: url.host, canonical: url.host } };
}

function gitRemoteValue(item: string): Omit<RoleValue, 'argument'> | undefined {
  const remote = parseGitRemote(item);
  return remote === undefined ? undefined : { value: remote.canonical, domain: remote };
}

function describeUnusable(role: ArgumentRole, item: string): string {
  const shown = JSON.stringify(item.length > 80 ? `${item.slice(0, 80)}…` : item);
  if (role === 'fetch-url') return `${shown} is not an http(s) URL with a host`;
  if (role === 'git-remote-url') {
    return `${shown} is not a remote URL; a named remote must be resolved by canonicalization before evaluation`;
  }
  return `${shown} cannot be placed (a "~" path needs the home directory, a relative path the sandbox)`;
}
