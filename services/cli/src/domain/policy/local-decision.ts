// The one "prepare and decide locally" pipeline behind `policy eval`, `explain`, `verify` and `replay`: what the
// gateway's prepare and the PDP's evaluation do for a call, in one process, with no stack running.
import { join } from 'node:path';
import {
  createEvaluator,
  deriveProtectedPaths,
  prepareToolCall,
  RuleId,
  type CanonicalizationContext,
  type Evaluator,
  type ExplanationStep,
  type LoadedPolicy,
  type PolicyDecision,
  type ToolCall,
} from '@ironcurtain/policy-engine';
import { readMcpConfig, serverDomainsOf } from '@ironcurtain/mcp-config';
import { loadPolicyFolder } from './policy-folder.js';

/** A policy with the facts every local decision shares: protected paths, domain gates, the home directory. */
export interface LocalPolicy {
  readonly policy: LoadedPolicy;
  readonly policyDir: string;
  readonly protectedPaths: readonly string[];
  readonly serverDomains: Readonly<Record<string, readonly string[]>>;
  /** Where `~` points. */
  readonly homeDir: string;
}

/** Options for {@link loadLocalPolicy}; every path absolute. */
export interface LocalPolicyOptions {
  /** IRONCURTAIN_HOME: protected, with the sandbox carved out. */
  home: string;
  policyDir: string;
  mcpConfigPath: string | undefined;
  homeDir: string;
  /** Its `.env` is protected. */
  cwd: string;
}

/** What a local decision prints: the engine's answer without the policy hash. */
export interface DecisionLine {
  decision: PolicyDecision['decision'];
  rule: string;
  reason: string;
  escalatedRoles?: string[];
}

/** One call explained: what was checked, in order, and the answer. */
export interface LocalExplanation {
  call: ToolCall;
  /** The call as it was evaluated; absent when it was refused before evaluation. */
  canonicalCall?: ToolCall;
  steps: ExplanationStep[];
  result: DecisionLine;
}

/** Decides calls for one sandbox. */
export interface LocalDecider {
  readonly sandboxDir: string;
  /** Checks the arguments against the tool's schema, canonicalizes them, then evaluates. */
  decide(call: ToolCall): DecisionLine;
  /** {@link decide}, with every check, invariant and rule the decision went through. */
  explain(call: ToolCall): LocalExplanation;
  /** Evaluates arguments that are already canonical (an audit record's), with no schema check. */
  decideCanonical(call: ToolCall): DecisionLine;
}

/**
 * Loads the policy folder (errors name the file and JSON path), the MCP config's domain gates, and the protected
 * paths: IRONCURTAIN_HOME, the policy folder, `IRONCURTAIN_HOME/generated`, the MCP config and `cwd/.env`.
 */
export async function loadLocalPolicy(options: LocalPolicyOptions): Promise<LocalPolicy> {
  const policy = await loadPolicyFolder(options.policyDir);
  return bindLocalPolicy(policy, options);
}

/** {@link loadLocalPolicy} for a policy already loaded (`policy activate` validates it from the raw files). */
export async function bindLocalPolicy(
  policy: LoadedPolicy,
  options: LocalPolicyOptions,
): Promise<LocalPolicy> {
  const serverDomains =
    options.mcpConfigPath === undefined ? {} : serverDomainsOf(await readMcpConfig(options.mcpConfigPath));
  const protectedPaths = deriveProtectedPaths(options.home, {
    policyDirs: [options.policyDir, join(options.home, 'generated')],
    cwd: options.cwd,
    ...(options.mcpConfigPath === undefined ? {} : { mcpConfigPath: options.mcpConfigPath }),
  });
  return { policy, policyDir: options.policyDir, protectedPaths, serverDomains, homeDir: options.homeDir };
}

/** A decider for one sandbox: a host session's (`/workspace` is just a path), with the policy's shared facts. */
export function createLocalDecider(local: LocalPolicy, sandboxDir: string): LocalDecider {
  const evaluator = createEvaluator(local.policy, {
    sandboxDir,
    homeDir: local.homeDir,
    protectedPaths: local.protectedPaths,
    serverDomains: local.serverDomains,
    isContainerSession: false,
  });
  const context: CanonicalizationContext = { sandboxDir, homeDir: local.homeDir, isContainerSession: false };
  return {
    sandboxDir,
    decide(call) {
      const prepared = prepareCall(call, local.policy, context);
      return prepared.ok ? toLine(evaluator.evaluate(prepared.call)) : prepared.denial;
    },
    explain: (call) => explainCall(call, evaluator, context),
    decideCanonical: (call) => toLine(evaluator.evaluate(call)),
  };
}

function explainCall(
  call: ToolCall,
  evaluator: Evaluator,
  context: CanonicalizationContext,
): LocalExplanation {
  const prepared = prepareCall(call, evaluator.policy, context);
  if (!prepared.ok) {
    const result = prepared.denial;
    const last: ExplanationStep = {
      stage: 'result',
      id: result.rule,
      outcome: 'matched',
      detail: `${result.decision}: ${result.reason}`,
    };
    return { call, steps: [...prepared.steps, last], result };
  }
  const explanation = evaluator.explain(prepared.call);
  return {
    call,
    canonicalCall: prepared.call,
    steps: [...prepared.steps, ...explanation.steps],
    result: toLine(explanation.result),
  };
}

type Preparation =
  | { ok: true; call: ToolCall; steps: ExplanationStep[] }
  | { ok: false; denial: DecisionLine; steps: ExplanationStep[] };

// The engine's prepare (schema, roles, canonical arguments), as the gateway runs it, with the annotation's schema.
function prepareCall(call: ToolCall, policy: LoadedPolicy, context: CanonicalizationContext): Preparation {
  const annotation = policy.annotations.get(call.serverName)?.get(call.toolName);
  const prepared = prepareToolCall(call, { annotation }, context);
  return prepared.ok
    ? { ok: true, call: prepared.call, steps: prepared.steps }
    : { ok: false, denial: invalidArguments(prepared.reason), steps: prepared.steps };
}

/** A deny with rule `invalid-arguments`, worded as the engine words its own. */
export function invalidArguments(reason: string): DecisionLine {
  return { decision: 'deny', rule: RuleId.InvalidArguments, reason: `Invalid arguments: ${reason}` };
}

function toLine(decision: PolicyDecision): DecisionLine {
  return {
    decision: decision.decision,
    rule: decision.rule,
    reason: decision.reason,
    ...(decision.escalatedRoles === undefined ? {} : { escalatedRoles: [...decision.escalatedRoles] }),
  };
}
