import { hasControlCharacters } from '@ironcurtain/policy-engine';

/** The parts of a call (or ticket) that say which argument carries which role. */
export interface RoledCall {
  canonicalArguments: Readonly<Record<string, unknown>>;
  argumentRoles: Readonly<Record<string, readonly string[]>>;
}

/**
 * Every value of the arguments that carry `role` in this call: a string, or each element of a string array. Returns
 * undefined when some such value cannot be compared safely (not a string, or with control characters): callers
 * then must not match or build anything from it.
 */
export function roleValuesOf(call: RoledCall, role: string): string[] | undefined {
  const values: string[] = [];
  for (const [argument, roles] of Object.entries(call.argumentRoles)) {
    if (!roles.includes(role) || !Object.hasOwn(call.canonicalArguments, argument)) continue;
    const value = call.canonicalArguments[argument];
    if (value === undefined || value === null) continue;
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (typeof item !== 'string' || hasControlCharacters(item)) return undefined;
      values.push(item);
    }
  }
  return values;
}

/** The escalated roles of a call, each once, in order. */
export function distinctRoles(roles: readonly string[]): string[] {
  return [...new Set(roles)];
}
