import { posix } from 'node:path';
import type { z } from 'zod';
import { isArgumentRole, normalizeFetchUrl, parseGitRemote, roleKindOf } from '@ironcurtain/policy-engine';
import type { WhitelistConstraint, WhitelistPattern } from '@ironcurtain/proto-schemas';
import { distinctRoles, roleValuesOf, type RoledCall } from './role-values.js';

/** One constraint on the values of one escalated role. */
export type Constraint = z.output<typeof WhitelistConstraint>;
/** A session whitelist pattern ("approve and allow similar"). */
export type Pattern = z.output<typeof WhitelistPattern>;

/** An escalated call as the whitelist sees it. */
export interface WhitelistCall extends RoledCall {
  serverName: string;
  escalatedRoles: readonly string[];
}

/** The pattern, or why none may be built. */
export type PatternResult = { pattern: Pattern } | { refusal: string };

/**
 * Builds the "allow similar" pattern of an approved ticket from its escalated roles' values only: a path gives its
 * directory, a fetch URL its exact hostname, a git remote its repository, an identifier itself. Refused when the
 * pattern would not constrain anything: no escalated role, a role with no (or an unsafe) value, a role that is not
 * a resource identifier, or a path whose directory is `/`.
 */
export function buildSimilarPattern(
  ticket: WhitelistCall & { id: string },
  approver: string,
  now: Date,
): PatternResult {
  const roles = distinctRoles(ticket.escalatedRoles);
  if (roles.length === 0)
    return { refusal: 'the ticket names no escalated argument role to build a pattern from' };
  const constraints: Constraint[] = [];
  for (const role of roles) {
    const values = roleValuesOf(ticket, role);
    if (values === undefined || values.length === 0) {
      return { refusal: `the escalated role ${role} has no value that a pattern could be built from` };
    }
    for (const value of values) {
      const constraint = constraintOf(role, value);
      if ('refusal' in constraint) return constraint;
      if (!constraints.some((known) => sameConstraint(known, constraint))) constraints.push(constraint);
    }
  }
  return {
    pattern: {
      serverName: ticket.serverName,
      constraints,
      ticketId: ticket.id,
      approver,
      createdAt: now.toISOString(),
    },
  };
}

function constraintOf(role: string, value: string): Constraint | { refusal: string } {
  if (!isArgumentRole(role)) return { refusal: `${role} is not an argument role` };
  switch (roleKindOf(role)) {
    case 'path': {
      if (!isCanonicalPath(value)) return { refusal: `the ${role} value is not a canonical absolute path` };
      const directory = posix.dirname(value);
      if (directory === '/')
        return { refusal: `the ${role} value lies directly in /; a pattern would allow every path` };
      return { role, kind: 'directory', value: directory };
    }
    case 'url':
      return urlConstraint(role, value);
    case 'identifier':
      return value === ''
        ? { refusal: `the ${role} value is empty` }
        : { role, kind: 'identifier', value: value.toLowerCase() };
    default:
      return { refusal: `${role} is not a resource identifier, so a pattern could not constrain it` };
  }
}

// A git remote's resource is the repository: its host alone would allow pushing to any repository on, say,
// github.com, an exfiltration channel. A fetch URL's resource is the site, so its exact hostname.
function urlConstraint(role: string, value: string): Constraint | { refusal: string } {
  if (role === 'git-remote-url') {
    const remote = parseGitRemote(value);
    return remote === undefined
      ? { refusal: `the ${role} value is not a repository URL` }
      : { role, kind: 'repository', value: remote.canonical };
  }
  const host = normalizeFetchUrl(value)?.host;
  return host === undefined || host === ''
    ? { refusal: `the ${role} value is not an http(s) URL with a hostname` }
    : { role, kind: 'domain', value: host };
}

/**
 * True when the pattern covers the call: same server, at least one escalated role, and for every escalated role
 * every value meets one of the pattern's constraints for that role. A role the pattern does not name, or a value
 * that cannot be compared safely, means no match.
 */
export function matchesPattern(pattern: Pattern, call: WhitelistCall): boolean {
  if (pattern.serverName !== call.serverName) return false;
  const roles = distinctRoles(call.escalatedRoles);
  if (roles.length === 0) return false;
  return roles.every((role) => {
    const constraints = pattern.constraints.filter((constraint) => constraint.role === role);
    const values = roleValuesOf(call, role);
    if (constraints.length === 0 || values === undefined || values.length === 0) return false;
    return values.every((value) => constraints.some((constraint) => meetsConstraint(constraint, value)));
  });
}

function meetsConstraint(constraint: Constraint, value: string): boolean {
  switch (constraint.kind) {
    case 'directory':
      return isCanonicalPath(value) && constraint.value !== '/' && isWithinDirectory(value, constraint.value);
    case 'domain':
      return normalizeFetchUrl(value)?.host === constraint.value;
    case 'repository':
      return parseGitRemote(value)?.canonical === constraint.value;
    case 'identifier':
      return value.toLowerCase() === constraint.value;
  }
}

/** `within` of POLICY-SEMANTICS.md: equal, or under `directory + "/"` (so `/data/a2` is not under `/data/a`). */
function isWithinDirectory(target: string, directory: string): boolean {
  return target === directory || target.startsWith(`${directory}/`);
}

// Canonical values come from the gateway (realpath-resolved); anything with `.`/`..` segments, a trailing slash
// or a relative form is not one, and is never matched or turned into a pattern.
function isCanonicalPath(value: string): boolean {
  return value.startsWith('/') && posix.normalize(value) === value && (value === '/' || !value.endsWith('/'));
}

function sameConstraint(left: Constraint, right: Constraint): boolean {
  return left.role === right.role && left.kind === right.kind && left.value === right.value;
}

/** A one-line description for approvers and the audit trail, e.g. `filesystem: write-path under /home/me/docs`. */
export function describePattern(pattern: Pattern): string {
  const parts = pattern.constraints.map((constraint) => {
    const verb = constraint.kind === 'directory' ? 'under' : constraint.kind;
    return `${constraint.role} ${verb} ${constraint.value}`;
  });
  return `${pattern.serverName}: ${parts.join(', ')}`;
}
