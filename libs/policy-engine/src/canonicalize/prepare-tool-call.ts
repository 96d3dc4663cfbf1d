import type { ExplanationStep, ToolCall } from '../evaluate/evaluation-types.js';
import { resolveToolAnnotation } from '../evaluate/resolve-tool-annotation.js';
import { isPlainObject } from '../is-plain-object.js';
import { pathStatesArgument, reservedPathStatesReason } from '../path-states.js';
import type { StoredToolAnnotation } from '../schemas/tool-annotations-schema.js';
import { canonicalizeCall, computeArgsHash, type CanonicalizationContext } from './canonicalize-call.js';
import type { ResolvedGitRemote } from './resolve-call-git-remotes.js';
import { validateArgumentsAgainstSchema } from './validate-arguments-against-schema.js';

/** What is known about the tool being called. */
export interface ToolFacts {
  /** Its annotation from tool-annotations.json; absent for an unannotated tool. */
  annotation?: StoredToolAnnotation | undefined;
  /** The schema to check the arguments against: the live server's, else the annotation's. */
  inputSchema?: unknown;
}

/** A prepared call: canonical, hashed, with the checks it passed; or why it is invalid. */
export type PreparedToolCall =
  | { ok: true; call: ToolCall; argsHash: string; gitRemotes: ResolvedGitRemote[]; steps: ExplanationStep[] }
  | { ok: false; rule: 'invalid-arguments'; reason: string; steps: ExplanationStep[] };

/**
 * What the gateway's prepare does before evaluation, in one place for the gateway and the CLI: check the arguments
 * against the tool's input schema, resolve their roles, and canonicalize them. An unannotated tool passes through
 * unchanged: evaluation denies it (`structural-unknown-tool`). Arguments that already carry the engine's own
 * `pathStatesArgument` are invalid for every tool. Never throws.
 */
export function prepareToolCall(
  call: ToolCall,
  tool: ToolFacts,
  context: CanonicalizationContext,
): PreparedToolCall {
  if (bringsPathStates(call.arguments)) {
    const reason = reservedPathStatesReason;
    return {
      ok: false,
      rule: 'invalid-arguments',
      reason,
      steps: [step('argument-schema', 'not-matched', reason)],
    };
  }
  const annotation = tool.annotation;
  if (annotation === undefined) {
    const detail =
      'no annotation for this tool: its arguments are not canonicalized and evaluation denies it';
    return {
      ok: true,
      call,
      argsHash: computeArgsHash(call.arguments),
      gitRemotes: [],
      steps: [step('argument-schema', 'skipped', detail)],
    };
  }
  const validation = validateArgumentsAgainstSchema(
    tool.inputSchema ?? annotation.inputSchema,
    call.arguments,
  );
  if (!validation.ok) {
    return {
      ok: false,
      rule: 'invalid-arguments',
      reason: validation.reason,
      steps: [step('argument-schema', 'not-matched', validation.reason)],
    };
  }
  const steps = [step('argument-schema', 'matched', "the arguments fit the tool's input schema")];
  const canonical = canonicalizeCall(call, resolveToolAnnotation(annotation, call.arguments).args, context);
  if (!canonical.ok) {
    steps.push(step('canonicalization', 'not-matched', canonical.reason));
    return { ok: false, rule: 'invalid-arguments', reason: canonical.reason, steps };
  }
  const changed = computeArgsHash(call.arguments) !== canonical.argsHash;
  steps.push(
    step(
      'canonicalization',
      'matched',
      changed
        ? `canonical arguments: ${JSON.stringify(canonical.call.arguments)}`
        : 'the arguments are already canonical',
    ),
  );
  return {
    ok: true,
    call: canonical.call,
    argsHash: canonical.argsHash,
    gitRemotes: canonical.gitRemotes,
    steps,
  };
}

function bringsPathStates(callArguments: unknown): boolean {
  return isPlainObject(callArguments) && Object.hasOwn(callArguments, pathStatesArgument);
}

function step(id: string, outcome: ExplanationStep['outcome'], detail: string): ExplanationStep {
  return { stage: 'input', id, outcome, detail };
}
