import { resolveToolAnnotation, type Evaluator } from '@ironcurtain/policy-engine';

/**
 * Each argument's roles for this call (conditional roles resolved against the canonical arguments), from the active
 * policy's annotation of the tool; empty when the tool has none. The escalation-router needs them to tell resource
 * identifiers from other arguments: for the auto-approver's view and for "allow similar" patterns.
 */
export function argumentRolesOf(
  evaluator: Evaluator,
  serverName: string,
  toolName: string,
  canonicalArguments: Readonly<Record<string, unknown>>,
): Record<string, string[]> {
  const stored = evaluator.policy.annotations.get(serverName)?.get(toolName);
  if (stored === undefined) return {};
  const roles: Record<string, string[]> = {};
  for (const [argument, argumentRoles] of resolveToolAnnotation(stored, canonicalArguments).args) {
    roles[argument] = [...argumentRoles];
  }
  return roles;
}
