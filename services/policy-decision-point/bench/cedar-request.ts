// A canonical call → a Cedar authorization request, and Cedar's answer → allow / deny / escalate. The request is what
// a Cedar deployment's enforcement point would build: the tool's roles resolved against the call (the annotation is
// input data, not policy logic) and each resource-role value with the features the policy tests (path; host,
// canonical remote and whether the host is an IP address). Every decision stays in the Cedar policy.
import { posix } from 'node:path';
import type {
  AuthorizationAnswer,
  CedarValueJson,
  StatefulAuthorizationCall,
} from '@cedar-policy/cedar-wasm/nodejs';
import {
  hasControlCharacters,
  isIpAddress,
  isResourceRole,
  normalizeFetchUrl,
  parseGitRemote,
  resolveToolAnnotation,
  roleKindOf,
  type ArgumentRole,
  type Decision,
  type EvaluationContext,
  type LoadedPolicy,
  type ToolCall,
} from '@ironcurtain/policy-engine';
import type { CedarTranslation } from './cedar-policy.ts';
import { roleAttribute } from './cedar-value-slots.ts';

type Value = Record<string, CedarValueJson>;
/** A path or identifier as a string; a URL as its features. */
type RoleValue = string | { host: string; canonical: string; ip: boolean };

/**
 * The stateful (pre-parsed policy set) request for one call. The context holds only what the policy reads: whether
 * the tool is annotated, the argument count, each role's value count and values in slots `<role>_0…`, the tool's
 * roles when a rule tests them, and `invalid` / `overflow` only when set (every attribute costs Cedar time to
 * convert).
 */
export function buildCedarRequest(
  call: ToolCall,
  policy: LoadedPolicy,
  context: EvaluationContext,
  policySetId: string,
  translation: Pick<CedarTranslation, 'slotCount' | 'needsToolRoles'>,
): StatefulAuthorizationCall {
  const stored = policy.annotations.get(call.serverName)?.get(call.toolName);
  const requestContext: Value = {
    annotated: stored !== undefined,
    argumentCount: Object.keys(call.arguments).length,
  };
  if (stored !== undefined) {
    const annotation = resolveToolAnnotation(stored, call.arguments);
    const toolRoles = new Set<ArgumentRole>();
    const values = new Map<ArgumentRole, RoleValue[]>();
    for (const [argument, roles] of annotation.args) {
      for (const role of roles) {
        toolRoles.add(role);
        if (!isResourceRole(role)) continue;
        const list = values.get(role) ?? [];
        values.set(role, list);
        const raw = Object.hasOwn(call.arguments, argument) ? call.arguments[argument] : undefined;
        if (!addValues(list, role, raw, context)) requestContext['invalid'] = true;
      }
    }
    if (translation.needsToolRoles) requestContext['toolRoles'] = [...toolRoles];
    for (const [role, list] of values) {
      if (list.length > translation.slotCount) requestContext['overflow'] = true;
      const attribute = roleAttribute(role);
      requestContext[attribute] = list.length;
      list.slice(0, translation.slotCount).forEach((value, index) => {
        if (typeof value === 'string') requestContext[`${attribute}_${index}`] = value;
        else
          for (const [name, field] of Object.entries(value))
            requestContext[`${attribute}_${index}_${name}`] = field;
      });
    }
  }
  return {
    principal: { type: 'Agent', id: 'session' },
    action: { type: 'Action', id: `${call.serverName}/${call.toolName}` },
    resource: { type: 'Server', id: call.serverName },
    context: requestContext,
    preparsedPolicySetId: policySetId,
    entities: [],
  };
}

// Mirrors the engine's value collection: strings or string arrays, no control characters, parseable; anything else
// makes the call invalid rather than being skipped.
function addValues(list: RoleValue[], role: ArgumentRole, raw: unknown, context: EvaluationContext): boolean {
  const items = raw === undefined || raw === null ? [] : Array.isArray(raw) ? (raw as unknown[]) : [raw];
  for (const item of items) {
    if (typeof item !== 'string' || hasControlCharacters(item)) return false;
    if (role === 'git-remote-url' && item === '') continue;
    const value = valueOf(role, item, context);
    if (value === undefined) return false;
    list.push(value);
  }
  return true;
}

function valueOf(role: ArgumentRole, item: string, context: EvaluationContext): RoleValue | undefined {
  switch (roleKindOf(role)) {
    case 'path': {
      const path = item === '' ? undefined : decisionPath(item, context);
      return path;
    }
    case 'identifier':
      return item.toLowerCase();
    default: {
      const target =
        role === 'fetch-url'
          ? ((url) => url && { host: url.host, canonical: url.host })(normalizeFetchUrl(item))
          : parseGitRemote(item);
      if (target === undefined) return undefined;
      const host =
        target.host.startsWith('[') && target.host.endsWith(']') ? target.host.slice(1, -1) : target.host;
      return { host, canonical: target.canonical, ip: isIpAddress(host) };
    }
  }
}

// The engine's decision path for a host session: `~` against home, relative against the sandbox, `..` applied.
function decisionPath(value: string, context: EvaluationContext): string | undefined {
  if (value === '~' || value.startsWith('~/')) {
    return context.homeDir === undefined
      ? undefined
      : posix.resolve(posix.join(context.homeDir, value.slice(1)));
  }
  if (value.startsWith('/')) return posix.resolve(value);
  return context.sandboxDir === undefined ? undefined : posix.resolve(posix.join(context.sandboxDir, value));
}

/** What Cedar decided, mapped back; `error` when Cedar failed or a policy errored (an errored forbid is skipped). */
export interface CedarOutcome {
  decision: Decision | 'error';
  /** The rules of the policies that determined the decision. */
  rules: string[];
  problem?: string;
}

/** Deny with a deny forbid ⇒ deny; deny with only escalate forbids ⇒ escalate; deny with none ⇒ default deny. */
export function cedarOutcome(answer: AuthorizationAnswer, translation: CedarTranslation): CedarOutcome {
  if (answer.type === 'failure') {
    return { decision: 'error', rules: [], problem: answer.errors.map((error) => error.message).join('; ') };
  }
  const { decision, diagnostics } = answer.response;
  if (diagnostics.errors.length > 0) {
    const problem = diagnostics.errors.map((error) => `${error.policyId}: ${error.error.message}`).join('; ');
    return { decision: 'error', rules: [], problem };
  }
  const determining = diagnostics.reason.map((id) => translation.outcomes.get(id));
  if (decision === 'allow')
    return { decision: 'allow', rules: determining.map((outcome) => outcome?.rule ?? '?') };
  if (determining.length === 0) return { decision: 'deny', rules: ['default-deny'] };
  const denying = determining.filter((outcome) => outcome?.decision === 'deny');
  const deciding = denying.length > 0 ? denying : determining;
  return {
    decision: denying.length > 0 ? 'deny' : 'escalate',
    rules: deciding.map((outcome) => outcome?.rule ?? '?'),
  };
}
