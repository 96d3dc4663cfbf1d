import { isResourceRole, roleKindOf, type ArgumentRole } from '../argument-roles.js';
import { isWithin } from '../path-within.js';
import type { CompiledRule, Decision } from '../schemas/compiled-policy-schema.js';
import type { EvaluationContext, Trace } from './evaluation-types.js';
import { RuleId } from './rule-ids.js';
import { ruleAppliesToRole, ruleDirectory, ruleMismatch, type PreparedCall } from './rule-matching.js';
import type { Outcome } from './structural-invariants.js';

const severity: Readonly<Record<Decision, number>> = { allow: 0, escalate: 1, deny: 2 };

/** The decision when no rule discharges a role or a call. */
export const defaultDenyOutcome: Readonly<Outcome> = Object.freeze({
  decision: 'deny',
  rule: RuleId.DefaultDeny,
  reason: 'No matching policy rule -- denied by default',
});

/**
 * Step 5 of the evaluation order. Every resource role the sandbox did not resolve is evaluated against the rules on
 * its own (first matching applicable rule, else default deny); the most restrictive result wins, deny > escalate >
 * allow. A tool whose resource roles were all resolved is allowed; a tool without resource roles gets the first
 * rule that matches at all.
 */
export function evaluateCompiledRules(
  call: PreparedCall,
  resolvedRoles: ReadonlySet<ArgumentRole>,
  rules: readonly CompiledRule[],
  context: EvaluationContext,
  trace: Trace,
): Outcome {
  const toolRoles = distinctResourceRoles(call);
  const pending = toolRoles.filter((role) => !resolvedRoles.has(role));
  if (toolRoles.length > 0 && pending.length === 0) {
    return {
      decision: 'allow',
      rule: RuleId.SandboxAllow,
      reason: 'All resource roles resolved by sandbox containment',
    };
  }
  if (pending.length === 0)
    return firstMatchingRule(call, rules, context, undefined, trace) ?? defaultDenyOutcome;
  let strictest: Outcome | undefined;
  const escalatedRoles: ArgumentRole[] = [];
  for (const role of pending) {
    const outcome = evaluateRole(call, role, rules, context, trace);
    if (outcome.decision === 'escalate') escalatedRoles.push(role);
    strictest = stricter(strictest, outcome);
  }
  const result = strictest ?? defaultDenyOutcome;
  return result.decision === 'escalate' ? { ...result, escalatedRoles } : result;
}

function distinctResourceRoles(call: PreparedCall): ArgumentRole[] {
  const roles = new Set<ArgumentRole>();
  for (const argumentRoles of call.annotation.args.values()) {
    for (const role of argumentRoles) if (isResourceRole(role)) roles.add(role);
  }
  return [...roles];
}

function evaluateRole(
  call: PreparedCall,
  role: ArgumentRole,
  rules: readonly CompiledRule[],
  context: EvaluationContext,
  trace: Trace,
): Outcome {
  const values = call.values.get(role) ?? [];
  if (roleKindOf(role) === 'path' && values.length > 1)
    return dischargeElements(call, role, rules, context, trace);
  return firstMatchingRule(call, rules, context, role, trace) ?? defaultDenyOutcome;
}

function firstMatchingRule(
  call: PreparedCall,
  rules: readonly CompiledRule[],
  context: EvaluationContext,
  role: ArgumentRole | undefined,
  trace: Trace,
): Outcome | undefined {
  for (const rule of rules) {
    if (role !== undefined && !ruleAppliesToRole(rule, role)) {
      trace?.push({
        stage: 'rule',
        id: rule.name,
        role,
        outcome: 'skipped',
        detail: `does not name role ${role}`,
      });
      continue;
    }
    const mismatch = ruleMismatch(rule, call, context, role);
    trace?.push({
      stage: 'rule',
      id: rule.name,
      ...(role === undefined ? {} : { role }),
      outcome: mismatch === undefined ? 'matched' : 'not-matched',
      detail: mismatch ?? `${rule.then}: ${rule.reason}`,
    });
    if (mismatch === undefined) return { decision: rule.then, rule: rule.name, reason: rule.reason };
  }
  return undefined;
}

/**
 * Element-wise discharge of a path role with several values: sandbox elements first (on servers where the sandbox
 * counts), then each applicable rule in order discharges the remaining elements it matches (a rule without `paths`
 * matches all of them). Any element left is a default deny; otherwise the most restrictive discharging rule wins.
 */
function dischargeElements(
  call: PreparedCall,
  role: ArgumentRole,
  rules: readonly CompiledRule[],
  context: EvaluationContext,
  trace: Trace,
): Outcome {
  const sandbox = context.sandboxServers.has(call.serverName) ? context.sandboxDir : undefined;
  const remaining = new Set((call.values.get(role) ?? []).map((value) => value.value));
  if (sandbox !== undefined)
    for (const path of remaining) if (isWithin(path, sandbox)) remaining.delete(path);
  let strictest: Outcome | undefined;
  for (const rule of rules) {
    if (remaining.size === 0) break;
    const matched = elementsDischargedBy(rule, call, role, remaining, context, trace);
    for (const path of matched) remaining.delete(path);
    if (matched.length > 0)
      strictest = stricter(strictest, { decision: rule.then, rule: rule.name, reason: rule.reason });
  }
  if (remaining.size > 0 || strictest === undefined) {
    const detail = `no rule discharges ${[...remaining].join(', ')}`;
    trace?.push({ stage: 'rule', id: RuleId.DefaultDeny, role, outcome: 'matched', detail });
    return defaultDenyOutcome;
  }
  return strictest;
}

function elementsDischargedBy(
  rule: CompiledRule,
  call: PreparedCall,
  role: ArgumentRole,
  remaining: ReadonlySet<string>,
  context: EvaluationContext,
  trace: Trace,
): string[] {
  const mismatch = ruleAppliesToRole(rule, role)
    ? ruleMismatch(rule, call, context, role, true)
    : `does not name role ${role}`;
  const matched = mismatch === undefined ? matchingElements(rule, [...remaining], context) : [];
  trace?.push({
    stage: 'rule',
    id: rule.name,
    role,
    outcome: matched.length === 0 ? 'not-matched' : 'matched',
    detail: matched.length === 0 ? (mismatch ?? 'no element within') : `discharges ${matched.join(', ')}`,
  });
  return matched;
}

// The more restrictive of two outcomes; on a tie the earlier one stays.
function stricter(current: Outcome | undefined, candidate: Outcome): Outcome {
  return current === undefined || severity[candidate.decision] > severity[current.decision]
    ? candidate
    : current;
}

function matchingElements(
  rule: CompiledRule,
  remaining: readonly string[],
  context: EvaluationContext,
): string[] {
  const paths = rule.if.paths;
  if (paths === undefined) return [...remaining];
  const directory = ruleDirectory(paths.within, context);
  return directory === undefined ? [] : remaining.filter((path) => isWithin(path, directory));
}
