// What the Cedar translation needs to know about compiled rules and annotations, mirroring the engine's own
// definitions (rule-matching.ts, compiled-rules.ts) where those are not part of its exported API.
import {
  roleKindOf,
  type ArgumentRole,
  type CompiledRule,
  type EvaluationContext,
  type LoadedPolicy,
} from '@ironcurtain/policy-engine';
import { allOf, cedarString, entityIs } from './cedar-expressions.ts';

/** The engine's ruleAppliesToRole: the rule names the role wherever it names roles, or names none. */
export function ruleAppliesToRole(rule: CompiledRule, role: ArgumentRole): boolean {
  const condition = rule.if;
  if (condition.roles !== undefined && !condition.roles.includes(role)) return false;
  if (condition.paths !== undefined && !condition.paths.roles.includes(role)) return false;
  if (condition.domains !== undefined && !condition.domains.roles.includes(role)) return false;
  return true;
}

/** A rule that tests values: with no values for its roles it cannot match. */
export function hasValueCondition(rule: CompiledRule): boolean {
  return rule.if.paths !== undefined || rule.if.domains !== undefined || (rule.if.lists?.length ?? 0) > 0;
}

/** What the translation covers: the condition fields the shipped policy uses, on the role kinds it uses them on. */
export function checkTranslatable(rule: CompiledRule): void {
  const problem =
    rule.if.sideEffects !== undefined
      ? 'sideEffects'
      : (rule.if.lists?.length ?? 0) > 0
        ? 'lists'
        : rule.if.paths?.roles.some((role) => roleKindOf(role) !== 'path')
          ? 'paths on a non-path role'
          : rule.if.domains?.roles.some((role) => roleKindOf(role) !== 'url')
            ? 'domains on a non-URL role'
            : undefined;
  if (problem !== undefined) throw new Error(`rule ${rule.name}: "${problem}" is not translated to Cedar`);
}

/** The rule's `paths.within` as the evaluation context resolved it (symlinks, `~`). */
export function ruleDirectory(rule: CompiledRule, context: EvaluationContext): string {
  const within = rule.if.paths?.within ?? '';
  const directory = context.resolvedDirectories.get(within);
  if (directory === undefined) throw new Error(`rule ${rule.name}: "${within}" could not be resolved`);
  return directory;
}

/** The server / tool / roles part of a rule; `known` lists the annotated `server/tool` action ids. */
export function callCondition(rule: CompiledRule, known: readonly string[]): string {
  const condition = rule.if;
  const isNamedTool = (id: string) => condition.tool?.includes(id.slice(id.indexOf('/') + 1)) ?? false;
  return allOf(
    condition.server === undefined ? 'true' : entityIs('resource', 'Server', condition.server),
    condition.tool === undefined ? 'true' : entityIs('action', 'Action', known.filter(isNamedTool)),
    condition.roles === undefined
      ? 'true'
      : `context.toolRoles.containsAny([${condition.roles.map(cedarString).join(', ')}])`,
  );
}

/** Every resource role some annotation can give an argument (fixed lists, `default`s and `when`s). */
export function rolesInAnnotations(policy: LoadedPolicy): ArgumentRole[] {
  const roles = new Set<ArgumentRole>();
  for (const tools of policy.annotations.values()) {
    for (const tool of tools.values()) {
      for (const spec of Object.values(tool.args)) {
        const lists = Array.isArray(spec) ? [spec] : [spec.default, ...spec.when.map((entry) => entry.roles)];
        for (const role of lists.flat()) if (roleKindOf(role) !== 'opaque') roles.add(role);
      }
    }
  }
  return [...roles].sort();
}
