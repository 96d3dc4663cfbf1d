import type { LoadedPolicy } from '../parse-policy-artifacts.js';
import { evaluateCompiledRules } from './compiled-rules.js';
import type {
  EvaluationContext,
  Explanation,
  ExplanationStep,
  PolicyDecision,
  ToolCall,
  Trace,
} from './evaluation-types.js';
import { resolveToolAnnotation, type ResolvedToolAnnotation } from './resolve-tool-annotation.js';
import { collectRoleValues, type RoleValues } from './role-values.js';
import { isPlainObject } from '../is-plain-object.js';
import { readPathStates } from '../path-states.js';
import { RuleId } from './rule-ids.js';
import { evaluateStructuralInvariants, type Outcome } from './structural-invariants.js';

/**
 * Decides one tool call: trusted servers, conditional roles, structural invariants, then the compiled rules per
 * resource role. Pure, deterministic and synchronous: the context holds everything already resolved. It never
 * throws; malformed input is `invalid-arguments` and an internal failure is a deny.
 */
export function evaluate(call: ToolCall, policy: LoadedPolicy, context: EvaluationContext): PolicyDecision {
  return { ...decide(call, policy, context, undefined), policyHash: policy.policyHash };
}

/** {@link evaluate}, plus every invariant and rule it considered and whether and why each matched. */
export function explain(call: ToolCall, policy: LoadedPolicy, context: EvaluationContext): Explanation {
  const steps: ExplanationStep[] = [];
  const result = { ...decide(call, policy, context, steps), policyHash: policy.policyHash };
  steps.push({
    stage: 'result',
    id: result.rule,
    outcome: 'matched',
    detail: `${result.decision}: ${result.reason}`,
  });
  return { result, steps };
}

function decide(call: unknown, policy: LoadedPolicy, context: EvaluationContext, trace: Trace): Outcome {
  try {
    return decideUnguarded(call, policy, context, trace);
  } catch {
    trace?.push({ stage: 'result', id: RuleId.DefaultDeny, outcome: 'matched', detail: 'evaluation failed' });
    return { decision: 'deny', rule: RuleId.DefaultDeny, reason: 'Evaluation failed internally -- denied' };
  }
}

function decideUnguarded(
  rawCall: unknown,
  policy: LoadedPolicy,
  context: EvaluationContext,
  trace: Trace,
): Outcome {
  const call = readCall(rawCall);
  if (typeof call === 'string') return invalid(call, trace);
  if (context.trustedServers.has(call.serverName)) {
    const reason = `Server "${call.serverName}" is trusted`;
    trace?.push({ stage: 'trusted-server', id: RuleId.TrustedServer, outcome: 'matched', detail: reason });
    return { decision: 'allow', rule: RuleId.TrustedServer, reason };
  }
  const recorded = readPathStates(call.arguments);
  if (!recorded.ok) return invalid(recorded.reason, trace);
  const stored = policy.annotations.get(call.serverName)?.get(call.toolName);
  const annotation = stored === undefined ? undefined : resolveToolAnnotation(stored, call.arguments);
  traceAnnotation(annotation, trace);
  let values: RoleValues = new Map();
  if (annotation !== undefined) {
    const collected = collectRoleValues(call.arguments, annotation, context);
    if (!collected.ok) return invalid(collected.reason, trace);
    values = collected.values;
  }
  const argumentCount = Object.keys(call.arguments).length;
  const input = { ...call, argumentCount, annotation, values, pathStates: recorded.states };
  const structural = evaluateStructuralInvariants(input, context, trace);
  if (structural.outcome !== undefined || annotation === undefined) {
    return structural.outcome ?? { decision: 'deny', rule: RuleId.UnknownTool, reason: 'Unknown tool' };
  }
  const prepared = { serverName: call.serverName, toolName: call.toolName, annotation, values };
  return evaluateCompiledRules(
    prepared,
    structural.resolvedRoles,
    policy.compiledPolicy.rules,
    context,
    trace,
  );
}

// The call as typed, or a sentence saying what is wrong with its shape.
function readCall(raw: unknown): ToolCall | string {
  if (typeof raw !== 'object' || raw === null) return 'the call is not an object';
  const { serverName, toolName } = raw as Partial<ToolCall>;
  const callArguments: unknown = (raw as Partial<ToolCall>).arguments ?? {};
  if (typeof serverName !== 'string' || typeof toolName !== 'string')
    return 'serverName and toolName must be strings';
  if (!isPlainObject(callArguments)) return 'arguments must be a plain JSON object';
  return { serverName, toolName, arguments: callArguments as Record<string, unknown> };
}

function invalid(reason: string, trace: Trace): Outcome {
  trace?.push({ stage: 'input', id: RuleId.InvalidArguments, outcome: 'matched', detail: reason });
  return { decision: 'deny', rule: RuleId.InvalidArguments, reason: `Invalid arguments: ${reason}` };
}

function traceAnnotation(annotation: ResolvedToolAnnotation | undefined, trace: Trace): void {
  if (trace === undefined) return;
  const detail =
    annotation === undefined
      ? 'no annotation for this tool'
      : [...annotation.args].map(([name, roles]) => `${name}: ${roles.join(', ') || '(none)'}`).join('; ') ||
        'the tool takes no annotated arguments';
  trace.push({
    stage: 'annotation',
    id: 'annotation',
    outcome: annotation ? 'matched' : 'not-matched',
    detail,
  });
}
