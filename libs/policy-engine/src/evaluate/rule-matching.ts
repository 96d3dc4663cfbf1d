import { roleKindOf, type ArgumentRole } from '../argument-roles.js';
import { domainMatchesAllowlist, type DomainTarget } from '../domain-match.js';
import { isWithin } from '../path-within.js';
import type { CompiledRule, ListCondition, RuleCondition } from '../schemas/compiled-policy-schema.js';
import { normalizeDecisionPath } from './decision-path.js';
import type { EvaluationContext } from './evaluation-types.js';
import type { ResolvedToolAnnotation } from './resolve-tool-annotation.js';
import type { RoleValue, RoleValues } from './role-values.js';

/** A call ready for rule matching: its resolved annotation and normalized role values. */
export interface PreparedCall {
  readonly serverName: string;
  readonly toolName: string;
  readonly annotation: ResolvedToolAnnotation;
  readonly values: RoleValues;
}

/** True when the rule names roles anywhere (`roles`, `paths`, `domains`, `lists`). */
export function ruleNamesRoles(rule: CompiledRule): boolean {
  const condition = rule.if;
  return (
    condition.roles !== undefined ||
    condition.paths !== undefined ||
    condition.domains !== undefined ||
    (condition.lists !== undefined && condition.lists.length > 0)
  );
}

/** Whether a rule takes part in a role's evaluation: it names the role wherever it names roles, or names none. */
export function ruleAppliesToRole(rule: CompiledRule, role: ArgumentRole): boolean {
  const condition = rule.if;
  if (!ruleNamesRoles(rule)) return true;
  if (condition.roles !== undefined && !condition.roles.includes(role)) return false;
  if (condition.paths !== undefined && !condition.paths.roles.includes(role)) return false;
  if (condition.domains !== undefined && !condition.domains.roles.includes(role)) return false;
  if (condition.lists !== undefined && !condition.lists.some((list) => list.roles.includes(role)))
    return false;
  return true;
}

/**
 * Why the rule does not match the call, or undefined when it does. With `role`, value conditions look only at that
 * role's values, so each role of a multi-role tool is discharged on its own. `isPathConditionSkipped` is for
 * element-wise discharge, which checks `paths` itself.
 */
export function ruleMismatch(
  rule: CompiledRule,
  call: PreparedCall,
  context: EvaluationContext,
  role?: ArgumentRole,
  isPathConditionSkipped = false,
): string | undefined {
  const condition = rule.if;
  return (
    callMismatch(condition, call) ??
    (isPathConditionSkipped ? undefined : pathMismatch(condition, call, context, role)) ??
    domainMismatch(condition, call, role) ??
    listsMismatch(condition, call, role)
  );
}

/** The directory a rule's `paths.within` means, resolved like a path value; undefined when it cannot be placed. */
export function ruleDirectory(within: string, context: EvaluationContext): string | undefined {
  return context.resolvedDirectories.get(within) ?? normalizeDecisionPath(within, context);
}

/** The values of the given roles. */
export function valuesOf(call: PreparedCall, roles: readonly ArgumentRole[]): RoleValue[] {
  return roles.flatMap((role) => call.values.get(role) ?? []);
}

function callMismatch(condition: RuleCondition, call: PreparedCall): string | undefined {
  if (condition.roles !== undefined) {
    const wanted = condition.roles;
    const hasRole = [...call.annotation.args.values()].some((roles) =>
      roles.some((role) => wanted.includes(role)),
    );
    if (!hasRole) return `the tool has no argument with role ${wanted.join(' or ')}`;
  }
  if (condition.server !== undefined && !condition.server.includes(call.serverName)) {
    return `server "${call.serverName}" is not one of ${condition.server.join(', ')}`;
  }
  if (condition.tool !== undefined && !condition.tool.includes(call.toolName)) {
    return `tool "${call.toolName}" is not one of ${condition.tool.join(', ')}`;
  }
  if (condition.sideEffects !== undefined && call.annotation.sideEffects !== condition.sideEffects) {
    return `the tool's sideEffects is not ${String(condition.sideEffects)}`;
  }
  return undefined;
}

function pathMismatch(
  condition: RuleCondition,
  call: PreparedCall,
  context: EvaluationContext,
  role: ArgumentRole | undefined,
): string | undefined {
  if (condition.paths === undefined) return undefined;
  const values = valuesOf(call, role === undefined ? condition.paths.roles : [role]);
  if (values.length === 0) return 'no path values for the roles the rule names';
  const directory = ruleDirectory(condition.paths.within, context);
  if (directory === undefined) return `"${condition.paths.within}" cannot be placed`;
  const outside = values.find((value) => !isWithin(value.value, directory));
  return outside === undefined ? undefined : `"${outside.value}" is not within ${directory}`;
}

function domainMismatch(
  condition: RuleCondition,
  call: PreparedCall,
  role: ArgumentRole | undefined,
): string | undefined {
  if (condition.domains === undefined) return undefined;
  const allowed = condition.domains.allowed;
  const values = valuesOf(call, role === undefined ? condition.domains.roles : [role]);
  if (values.length === 0) return 'no URL values for the roles the rule names';
  const outside = values.find((value) => !domainMatchesAllowlist(domainTargetOf(value), allowed));
  return outside === undefined
    ? undefined
    : `"${domainTargetOf(outside).canonical}" is not in the allowed domains`;
}

function listsMismatch(
  condition: RuleCondition,
  call: PreparedCall,
  role: ArgumentRole | undefined,
): string | undefined {
  for (const list of condition.lists ?? []) {
    const roles = role !== undefined && list.roles.includes(role) ? [role] : list.roles;
    const values = roles.flatMap((listRole) =>
      (call.values.get(listRole) ?? []).map((value) => ({ listRole, value })),
    );
    if (values.length === 0) return `no values for list roles ${list.roles.join(', ')}`;
    const outside = values.find(({ listRole, value }) => !listAllows(list, listRole, value));
    if (outside !== undefined) return `"${outside.value.value}" is not in the ${list.matchType} list`;
  }
  return undefined;
}

function listAllows(list: ListCondition, role: ArgumentRole, value: RoleValue): boolean {
  switch (list.matchType) {
    case 'domains':
      return domainMatchesAllowlist(domainTargetOf(value), list.allowed);
    case 'emails':
      return list.allowed.some((pattern) => pattern.toLowerCase() === value.value.toLowerCase());
    default: {
      // Identifier roles are canonically lowercase, so their patterns are compared lowercase too.
      const isCaseless = roleKindOf(role) === 'identifier';
      return list.allowed.some((pattern) => (isCaseless ? pattern.toLowerCase() : pattern) === value.value);
    }
  }
}

function domainTargetOf(value: RoleValue): DomainTarget {
  if (value.domain !== undefined) return value.domain;
  const host = value.value.toLowerCase();
  return { host, canonical: host };
}
