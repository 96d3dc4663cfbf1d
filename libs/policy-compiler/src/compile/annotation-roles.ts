import type { ArgumentRole, StoredToolAnnotation } from '@ironcurtain/policy-engine';

/** Every role any argument of the tool may carry (fixed roles, conditional defaults and `when` roles). */
export function rolesOfAnnotation(annotation: Pick<StoredToolAnnotation, 'args'>): ArgumentRole[] {
  const roles = new Set<ArgumentRole>();
  for (const spec of Object.values(annotation.args)) {
    if (Array.isArray(spec)) spec.forEach((role) => roles.add(role));
    else spec.default.forEach((role) => roles.add(role));
  }
  return [...roles];
}
