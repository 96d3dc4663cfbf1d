import type { CompiledPolicyFile, CompiledRule } from './schemas/compiled-policy-schema.js';
import type { DynamicList, DynamicListsFile } from './schemas/dynamic-lists-schema.js';

/** Something odd about a policy that did not stop it loading; returned as data for the caller to report. */
export interface PolicyWarning {
  /** `MISSING_DYNAMIC_LIST`: a rule names `@list` but `dynamic-lists.json` has no such list. */
  code: 'MISSING_DYNAMIC_LIST';
  /** The list name, without `@`. */
  list: string;
  /** A sentence for the operator, naming the fix. */
  message: string;
}

/** A list's effective values: (values ∪ manualAdditions) − manualRemovals, first occurrence order kept. */
export function effectiveListValues(list: DynamicList): string[] {
  const removals = new Set(list.manualRemovals);
  return [...new Set([...list.values, ...list.manualAdditions])].filter((value) => !removals.has(value));
}

/**
 * Replaces every `@list-name` in `if.domains.allowed` and `if.lists[].allowed` with the list's effective values,
 * once, at load, so evaluation never sees a reference. A list that does not exist expands to nothing (so the
 * condition allows nothing) and yields one warning per missing list.
 */
export function expandListReferences(
  policy: CompiledPolicyFile,
  lists: DynamicListsFile | undefined,
): { policy: CompiledPolicyFile; warnings: PolicyWarning[] } {
  const missing = new Set<string>();
  const expand = (allowed: readonly string[]): string[] =>
    allowed.flatMap((entry) => {
      if (!entry.startsWith('@')) return [entry];
      const name = entry.slice(1);
      const list = lists !== undefined && Object.hasOwn(lists.lists, name) ? lists.lists[name] : undefined;
      if (list === undefined) {
        missing.add(name);
        return [];
      }
      return effectiveListValues(list);
    });
  const rules = policy.rules.map((rule): CompiledRule => {
    const condition = rule.if;
    return {
      ...rule,
      if: {
        ...condition,
        ...(condition.domains
          ? { domains: { ...condition.domains, allowed: expand(condition.domains.allowed) } }
          : {}),
        ...(condition.lists
          ? { lists: condition.lists.map((list) => ({ ...list, allowed: expand(list.allowed) })) }
          : {}),
      },
    };
  });
  const warnings = [...missing].map((list) => missingListWarning(list));
  return { policy: { ...policy, rules }, warnings };
}

function missingListWarning(list: string): PolicyWarning {
  return {
    code: 'MISSING_DYNAMIC_LIST',
    list,
    message:
      `compiled-policy.json refers to "@${list}" but dynamic-lists.json has no list "${list}"; it allows nothing ` +
      'until the list is resolved (run `ironcurtain compile-policy` or add it to dynamic-lists.json).',
  };
}
