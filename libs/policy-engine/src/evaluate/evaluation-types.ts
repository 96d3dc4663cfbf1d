import type { ArgumentRole } from '../argument-roles.js';
import type { Decision } from '../schemas/compiled-policy-schema.js';

/** A tool call as the policy sees it (IronCurtain's `ToolCallRequest`). */
export interface ToolCall {
  serverName: string;
  toolName: string;
  arguments: Record<string, unknown>;
}

/** What the engine decided and why. */
export interface PolicyDecision {
  decision: Decision;
  /** A compiled rule's name, or one of the engine's own ids (`structural-*`, `default-deny`, …). */
  rule: string;
  reason: string;
  /** When the decision is `escalate`: the roles that escalated. */
  escalatedRoles?: ArgumentRole[];
  /** The hash of the policy that decided (see `computePolicyHash`). */
  policyHash: string;
}

/**
 * Everything evaluation needs besides the call and the policy, already resolved (see `createEvaluationContext`), so
 * evaluation itself touches no filesystem.
 */
export interface EvaluationContext {
  /** The session sandbox, real and absolute; undefined when the session has none. */
  readonly sandboxDir: string | undefined;
  /** Where `~` points; without it a `~` path is invalid. */
  readonly homeDir: string | undefined;
  /** Protected paths, real and absolute. */
  readonly protectedPaths: readonly string[];
  /** Servers whose calls are allowed without evaluation. */
  readonly trustedServers: ReadonlySet<string>;
  /** Per server, the domains its URL arguments may name without escalating (the domain gate). */
  readonly serverDomains: ReadonlyMap<string, readonly string[]>;
  /** Whether `/workspace` means the sandbox. */
  readonly isContainerSession: boolean;
  /** The sandbox as a container sees it (`/workspace`). */
  readonly containerWorkspace: string;
  /** Servers whose in-sandbox path values need no rule (filesystem and git). */
  readonly sandboxServers: ReadonlySet<string>;
  /** Each compiled rule's `paths.within`, resolved; a directory missing here is normalized without the filesystem. */
  readonly resolvedDirectories: ReadonlyMap<string, string>;
}

/** One invariant or rule the engine looked at, for `ironcurtain policy explain`. */
export interface ExplanationStep {
  /** What kind of check this was. */
  stage: 'input' | 'trusted-server' | 'annotation' | 'invariant' | 'rule' | 'result';
  /** The rule or invariant id. */
  id: string;
  /** The resource role the rule was evaluated for, when per-role. */
  role?: ArgumentRole;
  /** `matched` decided or discharged something; `not-matched` was checked and did not hold; `skipped` did not apply. */
  outcome: 'matched' | 'not-matched' | 'skipped';
  /** Why, in one sentence. */
  detail: string;
}

/** The decision plus every step that led to it. */
export interface Explanation {
  result: PolicyDecision;
  steps: ExplanationStep[];
}

/** A place to record steps; evaluation passes none, `explain` passes an array. */
export type Trace = ExplanationStep[] | undefined;
