import { isResourceRole, roleKindOf, type ArgumentRole } from '../argument-roles.js';
import { domainMatchesAllowlist } from '../domain-match.js';
import { isWithin } from '../path-within.js';
import type { PathState } from '../path-states.js';
import type { EvaluationContext, PolicyDecision, Trace } from './evaluation-types.js';
import type { ResolvedToolAnnotation } from './resolve-tool-annotation.js';
import type { RoleValues } from './role-values.js';
import { RuleId } from './rule-ids.js';
import { checkSecretPaths } from './secret-paths.js';

/** A decision without the policy hash, which the caller adds. */
export type Outcome = Omit<PolicyDecision, 'policyHash'>;

/** The call as the structural invariants see it; `annotation` is undefined for an unknown tool. */
export interface StructuralInput {
  readonly serverName: string;
  readonly toolName: string;
  readonly argumentCount: number;
  readonly annotation: ResolvedToolAnnotation | undefined;
  readonly values: RoleValues;
  /** What canonicalization found on disk at the write and delete paths outside the sandbox (`pathStatesArgument`). */
  readonly pathStates: ReadonlyMap<string, PathState>;
}

/** Either a final decision, or the roles sandbox containment resolved (they need no rule). */
export interface StructuralResult {
  outcome?: Outcome;
  resolvedRoles: ReadonlySet<ArgumentRole>;
}

/**
 * The structural invariants, in the order the spec fixes: protected paths and secret stores (deny), introspection
 * (allow), sandbox containment (resolves roles), the domain gate (escalate), unknown tool (deny). Compiled rules
 * never override them.
 */
export function evaluateStructuralInvariants(
  input: StructuralInput,
  context: EvaluationContext,
  trace: Trace,
): StructuralResult {
  const none: ReadonlySet<ArgumentRole> = new Set();
  const protectedOutcome = checkProtectedPaths(input, context, trace);
  if (protectedOutcome !== undefined) return { outcome: protectedOutcome, resolvedRoles: none };
  const secretOutcome = checkSecretPaths(input.values, input.pathStates, context, trace);
  if (secretOutcome !== undefined) return { outcome: secretOutcome, resolvedRoles: none };
  const introspection = checkIntrospection(input, trace);
  if (introspection !== undefined) return { outcome: introspection, resolvedRoles: none };
  const resolvedRoles = resolveSandboxedRoles(input, context, trace);
  const domainOutcome = checkDomainGate(input, context, trace);
  if (domainOutcome !== undefined) return { outcome: domainOutcome, resolvedRoles: none };
  if (input.annotation === undefined) {
    const outcome: Outcome = {
      decision: 'deny',
      rule: RuleId.UnknownTool,
      reason: `Unknown tool: ${input.serverName}/${input.toolName} has no annotation in the policy`,
    };
    trace?.push({ stage: 'invariant', id: RuleId.UnknownTool, outcome: 'matched', detail: outcome.reason });
    return { outcome, resolvedRoles: none };
  }
  trace?.push({
    stage: 'invariant',
    id: RuleId.UnknownTool,
    outcome: 'not-matched',
    detail: 'the tool is annotated',
  });
  return { resolvedRoles };
}

/**
 * Whether a resolved path is protected. A protected entry that contains the sandbox (IRONCURTAIN_HOME) has the
 * sandbox carved out; an entry inside the sandbox (say `./.env` when the sandbox is the working directory) stays
 * protected. A delete of a directory that holds a protected entry is protected too: removing the parent removes
 * the entry.
 */
export function isProtectedPath(path: string, role: ArgumentRole, context: EvaluationContext): boolean {
  const sandbox = context.sandboxDir;
  return context.protectedPaths.some((entry) => {
    if (role === 'delete-path' && isWithin(entry, path)) return true;
    if (!isWithin(path, entry)) return false;
    const isCarvedOut = sandbox !== undefined && isWithin(sandbox, entry) && isWithin(path, sandbox);
    return !isCarvedOut;
  });
}

function checkProtectedPaths(
  input: StructuralInput,
  context: EvaluationContext,
  trace: Trace,
): Outcome | undefined {
  for (const [role, values] of input.values) {
    if (roleKindOf(role) !== 'path') continue;
    const hit = values.find((value) => isProtectedPath(value.value, role, context));
    if (hit === undefined) continue;
    const reason = `Access to protected path is forbidden: ${hit.value} (argument "${hit.argument}", role ${role})`;
    trace?.push({ stage: 'invariant', id: RuleId.ProtectedPath, role, outcome: 'matched', detail: reason });
    return { decision: 'deny', rule: RuleId.ProtectedPath, reason };
  }
  trace?.push({
    stage: 'invariant',
    id: RuleId.ProtectedPath,
    outcome: 'not-matched',
    detail: 'no path value is a protected path or under one',
  });
  return undefined;
}

function checkIntrospection(input: StructuralInput, trace: Trace): Outcome | undefined {
  const isIntrospection =
    input.toolName === 'list_allowed_directories' &&
    input.serverName === 'filesystem' &&
    input.annotation !== undefined &&
    input.annotation.sideEffects !== true &&
    input.argumentCount === 0;
  if (!isIntrospection) {
    trace?.push({
      stage: 'invariant',
      id: RuleId.IntrospectionAllow,
      outcome: 'skipped',
      detail: 'only filesystem/list_allowed_directories with no arguments',
    });
    return undefined;
  }
  const reason = 'Introspection tool with no side effects and no arguments is always allowed';
  trace?.push({ stage: 'invariant', id: RuleId.IntrospectionAllow, outcome: 'matched', detail: reason });
  return { decision: 'allow', rule: RuleId.IntrospectionAllow, reason };
}

function resolveSandboxedRoles(
  input: StructuralInput,
  context: EvaluationContext,
  trace: Trace,
): Set<ArgumentRole> {
  const resolved = new Set<ArgumentRole>();
  const sandbox = context.sandboxDir;
  if (sandbox === undefined || !context.sandboxServers.has(input.serverName)) return resolved;
  for (const [role, values] of input.values) {
    if (roleKindOf(role) !== 'path' || values.length === 0) continue;
    const isContained = values.every((value) => isWithin(value.value, sandbox));
    trace?.push({
      stage: 'invariant',
      id: 'structural-sandbox-containment',
      role,
      outcome: isContained ? 'matched' : 'not-matched',
      detail: isContained
        ? `every ${role} value is inside ${sandbox}`
        : `some ${role} value is outside ${sandbox}`,
    });
    if (isContained) resolved.add(role);
  }
  return resolved;
}

function checkDomainGate(
  input: StructuralInput,
  context: EvaluationContext,
  trace: Trace,
): Outcome | undefined {
  const allowed = context.serverDomains.get(input.serverName);
  if (allowed === undefined) {
    const detail = `server "${input.serverName}" declares no allowed domains`;
    trace?.push({ stage: 'invariant', id: RuleId.DomainEscalate, outcome: 'skipped', detail });
    return undefined;
  }
  for (const [role, values] of input.values) {
    if (roleKindOf(role) !== 'url' || !isResourceRole(role)) continue;
    const outside = values.find(
      (value) => value.domain === undefined || !domainMatchesAllowlist(value.domain, allowed),
    );
    if (outside === undefined) continue;
    const shown = outside.domain?.canonical ?? outside.value;
    const reason = `URL domain "${shown}" is not in the allowlist for server "${input.serverName}"`;
    trace?.push({ stage: 'invariant', id: RuleId.DomainEscalate, role, outcome: 'matched', detail: reason });
    return { decision: 'escalate', rule: RuleId.DomainEscalate, reason, escalatedRoles: [role] };
  }
  trace?.push({
    stage: 'invariant',
    id: RuleId.DomainEscalate,
    outcome: 'not-matched',
    detail: `every URL value is within the domains server "${input.serverName}" declares`,
  });
  return undefined;
}
