// Compiled rules → an equivalent Cedar policy set, for one session's evaluation context (sandbox, protected paths and
// domain gates become literals, as the engine resolves them once per session too).
//
// Mapping: principal Agent, action `Action::"server/tool"`, resource `Server::"server"`, and the canonical values in
// the context by role (`context.read_path_0`, `context.fetch_url_0_host`, …). Escalation is a `forbid` annotated
// `@decision("escalate")`: Cedar then answers Deny, and the answer maps back by the forbids that determined it (any
// deny forbid ⇒ deny, else escalate), which is exactly the engine's deny > escalate > allow. Allow rules are permits.
//
// Cedar has no quantifiers over sets, so the engine's "every value of the role" and element-wise discharge are
// unrolled over a fixed number of value slots per role; a call with more values is refused (`cedar-too-many-values`).
// It has no rule order either: "first matching rule" is written as "this rule matches and no earlier one does".
// Cheap, discriminating tests come first in every condition: Cedar's `&&` stops at the first false, and each node
// it evaluates costs it a fraction of a µs.
import {
  isWithin,
  roleKindOf,
  type ArgumentRole,
  type CompiledRule,
  type Decision,
  type EvaluationContext,
  type LoadedPolicy,
} from '@ironcurtain/policy-engine';
import {
  allOf,
  anyOf,
  cedarString,
  containsEntry,
  entityIs,
  matchesDomains,
  not,
  withinDirectory,
} from './cedar-expressions.ts';
import {
  callCondition,
  checkTranslatable,
  hasValueCondition,
  ruleAppliesToRole,
  ruleDirectory,
  rolesInAnnotations,
} from './cedar-rule-facts.ts';
import { valueSlots, type ValueSlots } from './cedar-value-slots.ts';

export interface CedarTranslation {
  /** Policy id → Cedar text; ids are chosen here so an answer's `reason` maps back through `outcomes`. */
  policies: Record<string, string>;
  outcomes: ReadonlyMap<string, { decision: Decision; rule: string }>;
  /** How many values per role the unrolled policies look at. */
  slotCount: number;
  /** Some rule tests the tool's roles (`if.roles`), so requests carry `toolRoles`. */
  needsToolRoles: boolean;
}

/** Everything the policy writers share for one translation. */
interface Translation {
  policy: LoadedPolicy;
  context: EvaluationContext;
  rules: readonly CompiledRule[];
  roles: ArgumentRole[];
  /** Annotated tools as action ids `server/tool`. */
  known: string[];
  slots: ValueSlots;
  isSandboxServer: string;
  inSandbox(path: string): string;
  add(decision: Decision, rule: string, condition: string): void;
}

/** Translates `policy` for the session `context`; throws naming any rule feature the translation does not cover. */
export function translateToCedar(
  policy: LoadedPolicy,
  context: EvaluationContext,
  slotCount: number,
): CedarTranslation {
  if (context.isContainerSession) throw new Error('the Cedar translation covers host sessions only');
  const rules = policy.compiledPolicy.rules;
  rules.forEach(checkTranslatable);
  const policies: Record<string, string> = {};
  const outcomes = new Map<string, { decision: Decision; rule: string }>();
  const sandbox = context.sandboxDir;
  const translation: Translation = {
    policy,
    context,
    rules,
    roles: rolesInAnnotations(policy),
    known: [...policy.annotations].flatMap(([server, tools]) =>
      [...tools.keys()].map((t) => `${server}/${t}`),
    ),
    slots: valueSlots(slotCount),
    isSandboxServer:
      sandbox === undefined ? 'false' : entityIs('resource', 'Server', [...context.sandboxServers]),
    inSandbox: (path) => (sandbox === undefined ? 'false' : withinDirectory(path, sandbox)),
    add(decision, rule, condition) {
      if (condition === 'false') return;
      const id = `${decision}:${rule}:${outcomes.size}`;
      const effect = decision === 'allow' ? 'permit' : 'forbid';
      const head = `@decision(${cedarString(decision)})\n@rule(${cedarString(rule)})\n${effect} (principal, action, resource)`;
      policies[id] = `${head}\nwhen { ${condition} };`;
      outcomes.set(id, { decision, rule });
    },
  };
  const guard = addStructuralPolicies(translation);
  addRulePolicies(translation, guard);
  addSandboxAllow(translation);
  return { policies, outcomes, slotCount, needsToolRoles: rules.some((rule) => rule.if.roles !== undefined) };
}

/**
 * The structural invariants. Returns, per decision, the guard a rule-stage policy needs: the engine returns early at
 * the introspection allow and the domain gate, where Cedar's deny-overrides would let a later forbid win instead.
 */
function addStructuralPolicies(translation: Translation): Record<Decision, string> {
  const { context, policy, roles, slots, add } = translation;
  const sandbox = context.sandboxDir;
  const trusted = entityIs('resource', 'Server', [...context.trustedServers]);
  const notTrusted = not(trusted);
  add('allow', 'trusted-server', trusted);
  add('deny', 'invalid-arguments', allOf('context has invalid', notTrusted));
  add('deny', 'cedar-too-many-values', allOf('context has overflow', notTrusted));
  const isProtected = (role: ArgumentRole, path: string) =>
    anyOf(
      context.protectedPaths.map((entry) => {
        const isCarvedOut = sandbox !== undefined && isWithin(sandbox, entry);
        const under = allOf(
          withinDirectory(path, entry),
          isCarvedOut ? not(translation.inSandbox(path)) : 'true',
        );
        // Deleting a directory removes the protected entries inside it.
        return role === 'delete-path' ? anyOf([under, containsEntry(path, entry)]) : under;
      }),
    );
  const pathRoles = roles.filter((role) => roleKindOf(role) === 'path');
  const anyProtected = anyOf(
    pathRoles.map((role) =>
      allOf(
        slots.has(role),
        slots.some(role, (path) => isProtected(role, path)),
      ),
    ),
  );
  add('deny', 'structural-protected-path', allOf(anyProtected, notTrusted));
  const introspection = policy.annotations.get('filesystem')?.get('list_allowed_directories');
  const isIntrospection =
    introspection === undefined || introspection.sideEffects === true
      ? 'false'
      : allOf('action == Action::"filesystem/list_allowed_directories"', 'context.argumentCount == 0');
  add('allow', 'structural-introspection-allow', isIntrospection);
  const urlRoles = roles.filter((role) => roleKindOf(role) === 'url');
  const outsideDomains = (allowed: readonly string[]) =>
    anyOf(
      urlRoles.map((role) =>
        allOf(
          slots.has(role),
          slots.some(role, (url) => not(matchesDomains(url, allowed))),
        ),
      ),
    );
  const gate = anyOf(
    [...context.serverDomains].map(([server, allowed]) =>
      allOf(entityIs('resource', 'Server', [server]), outsideDomains(allowed)),
    ),
  );
  add('escalate', 'structural-domain-escalate', allOf(gate, not(isIntrospection), notTrusted));
  add('deny', 'structural-unknown-tool', allOf('context.annotated == false', notTrusted));
  return {
    allow: 'true',
    escalate: allOf(not(isIntrospection), notTrusted),
    deny: allOf(not(isIntrospection), not(gate), notTrusted),
  };
}

/** A rule's value test for one unit: a path value, or all of a URL role's values. */
type ValueTest = (rule: CompiledRule) => string;

/**
 * The compiled rules, per resource role: path values one by one (element-wise discharge, the sandbox first), the
 * other roles as a whole, and tools without resource roles by their first matching value-less rule. One policy per
 * rule, plus the default deny.
 */
function addRulePolicies(translation: Translation, guard: Record<Decision, string>): void {
  const { rules, roles, slots, add, known } = translation;
  const callMatches = (rule: CompiledRule) => callCondition(rule, known);
  const unmatched = (earlier: readonly CompiledRule[], test: ValueTest) =>
    earlier.map((rule) => not(allOf(callMatches(rule), test(rule))));
  const applicableTo = (role: ArgumentRole, candidates: readonly CompiledRule[]) =>
    candidates.filter((rule) => ruleAppliesToRole(rule, role));
  const hasNoResourceRoles = allOf(...roles.map((role) => not(slots.has(role))));
  const valueless = rules.filter((rule) => !hasValueCondition(rule));
  // A tool without resource roles: its first matching value-less rule decides.
  const noRoleTerm = (earlier: readonly CompiledRule[]) =>
    allOf('context.annotated', hasNoResourceRoles, ...earlier.map((other) => not(callMatches(other))));
  rules.forEach((rule, position) => {
    const earlier = rules.slice(0, position);
    const terms = roles
      .filter((role) => ruleAppliesToRole(rule, role))
      .map((role) =>
        roleTerm(translation, role, (test) =>
          allOf(test(rule), ...unmatched(applicableTo(role, earlier), test)),
        ),
      );
    if (!hasValueCondition(rule)) terms.push(noRoleTerm(valueless.slice(0, valueless.indexOf(rule))));
    // The rule's own call condition is factored out to the front: for most calls it is false at once.
    add(rule.then, rule.name, allOf(callMatches(rule), anyOf(terms), guard[rule.then]));
  });
  const unmatchedTerms = roles.map((role) =>
    roleTerm(translation, role, (test) => allOf(...unmatched(applicableTo(role, rules), test))),
  );
  unmatchedTerms.push(noRoleTerm(valueless));
  add('deny', 'default-deny', allOf(anyOf(unmatchedTerms), guard.deny));
}

/** Whether `decided(test)` holds for some unit of `role` that still needs a rule. */
function roleTerm(
  translation: Translation,
  role: ArgumentRole,
  decided: (test: ValueTest) => string,
): string {
  const { slots, context } = translation;
  if (roleKindOf(role) !== 'path') {
    const urlTest: ValueTest = (rule) =>
      rule.if.domains
        ? slots.every(role, (url) => matchesDomains(url, rule.if.domains?.allowed ?? []))
        : 'true';
    return allOf(slots.has(role), decided(urlTest));
  }
  const isPending = (path: string) => not(allOf(translation.isSandboxServer, translation.inSandbox(path)));
  const someValue = slots.some(role, (path) =>
    allOf(
      isPending(path),
      decided((rule) => (rule.if.paths ? withinDirectory(path, ruleDirectory(rule, context)) : 'true')),
    ),
  );
  const noValue = allOf(
    not(slots.hasFirst(role)),
    decided((rule) => (hasValueCondition(rule) ? 'false' : 'true')),
  );
  return allOf(slots.has(role), anyOf([someValue, noValue]));
}

/** Every resource role the tool has is a path role whose values all lie in the sandbox of a sandbox server. */
function addSandboxAllow(translation: Translation): void {
  const { roles, slots } = translation;
  const resolved = roles.map((role) =>
    roleKindOf(role) === 'path'
      ? anyOf([
          not(slots.has(role)),
          allOf(
            translation.isSandboxServer,
            slots.every(role, (path) => translation.inSandbox(path)),
          ),
        ])
      : not(slots.has(role)),
  );
  translation.add(
    'allow',
    'structural-sandbox-allow',
    allOf('context.annotated', ...resolved, anyOf(roles.map(slots.has))),
  );
}
