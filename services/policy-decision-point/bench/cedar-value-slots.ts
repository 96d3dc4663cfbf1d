// How role values sit in the Cedar request context, shared by the request builder and the policy: flat attributes
// (nested records cost Cedar more to convert) — the role's value count as `read_path`, its values as `read_path_0`,
// `read_path_1`, …, a URL as `fetch_url_0_host`, `fetch_url_0_canonical`, `fetch_url_0_ip`.
import { roleKindOf, type ArgumentRole } from '@ironcurtain/policy-engine';
import { allOf, anyOf, not } from './cedar-expressions.ts';

/** Cedar attribute name of a role in the request context. */
export const roleAttribute = (role: ArgumentRole): string => role.replaceAll('-', '_');

/** Expressions over a role's unrolled value slots; Cedar cannot quantify over a set, so slots are spelled out. */
export function valueSlots(slotCount: number) {
  const slot = (role: ArgumentRole, index: number) => `context.${roleAttribute(role)}_${index}`;
  // A URL value is three attributes; its host stands for it.
  const hasSlot = (role: ArgumentRole, index: number) =>
    `context has ${roleAttribute(role)}_${index}${roleKindOf(role) === 'url' ? '_host' : ''}`;
  const indexes = [...Array(slotCount).keys()].reverse();
  return {
    has: (role: ArgumentRole) => `context has ${roleAttribute(role)}`,
    hasFirst: (role: ArgumentRole) => hasSlot(role, 0),
    /** Some value passes: `has _0 && (t0 || (has _1 && (t1 || …)))`, so absent slots cost one test. */
    some: (role: ArgumentRole, test: (value: string) => string) =>
      indexes.reduce(
        (inner, index) => allOf(hasSlot(role, index), anyOf([test(slot(role, index)), inner])),
        'false',
      ),
    /** At least one value, and every value passes: `has _0 && t0 && (!has _1 || (t1 && …))`. */
    every: (role: ArgumentRole, test: (value: string) => string) =>
      indexes.reduce(
        (inner, index) =>
          index === 0
            ? allOf(hasSlot(role, 0), test(slot(role, 0)), inner)
            : anyOf([not(hasSlot(role, index)), allOf(test(slot(role, index)), inner)]),
        'true',
      ),
  };
}

export type ValueSlots = ReturnType<typeof valueSlots>;
