import { roleKindOf } from '../argument-roles.js';
import { isWithin } from '../path-within.js';
import { mayHoldSecret, type PathState } from '../path-states.js';
import { secretStorePatternOf } from '../secret-store-names.js';
import type { EvaluationContext, Trace } from './evaluation-types.js';
import type { RoleValues } from './role-values.js';
import { RuleId } from './rule-ids.js';
import type { Outcome } from './structural-invariants.js';

/**
 * The secret-store invariant (base principle 6), checked right after the protected paths: outside the session
 * sandbox, a path-role value whose file name is a well-known secret store (`secretStorePatterns`) is denied, with
 * any role; and so is a delete of a directory that canonicalization found to hold one (or could not search to the
 * end). A folder holding secrets may still be listed and read; only the secret files themselves are off limits.
 * Inside the sandbox the agent's own files are its own. Without recorded states (a call evaluated without
 * canonicalization) a directory's contents are unknown and only names are checked.
 */
export function checkSecretPaths(
  values: RoleValues,
  states: ReadonlyMap<string, PathState>,
  context: EvaluationContext,
  trace: Trace,
): Outcome | undefined {
  const sandbox = context.sandboxDir;
  for (const [role, roleValues] of values) {
    if (roleKindOf(role) !== 'path') continue;
    for (const { value, argument } of roleValues) {
      if (sandbox !== undefined && isWithin(value, sandbox)) continue;
      const pattern = secretStorePatternOf(value);
      const held = role === 'delete-path' && mayHoldSecret(states.get(value));
      if (pattern === undefined && !held) continue;
      const why =
        pattern !== undefined
          ? `its name is a secret store (${pattern})`
          : states.get(value) === 'directory-with-secret'
            ? 'the directory holds a secret store'
            : 'the directory is too large or unreadable to show it holds no secret store';
      const reason = `Access to a secret outside the sandbox is forbidden: ${value} (argument "${argument}", role ${role}): ${why}`;
      trace?.push({ stage: 'invariant', id: RuleId.SecretPath, role, outcome: 'matched', detail: reason });
      return { decision: 'deny', rule: RuleId.SecretPath, reason };
    }
  }
  trace?.push({
    stage: 'invariant',
    id: RuleId.SecretPath,
    outcome: 'not-matched',
    detail: 'no path value outside the sandbox is a secret store, and no delete removes one',
  });
  return undefined;
}
