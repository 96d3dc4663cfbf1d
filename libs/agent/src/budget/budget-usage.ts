import type { BudgetDimension, BudgetDimensionStatus } from './budget-limits.js';

/**
 * Where token usage comes from. `agent`: the turn runner reports the usage the AI SDK returns for each step.
 * `external`: the caller feeds usage in with {@link BudgetTracker.recordUsage} (in production, the egress proxy's
 * `egress.evt.llm-usage.v1` events). Exactly one source counts, so nothing is counted twice.
 */
export type UsageSource = 'agent' | 'external';

/** Token usage of one model response. */
export interface UsageRecord {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** `provider:model` or the bare model name; prices are looked up by it. */
  readonly model: string;
  /** The provider, when it travels apart from the model name (as in usage events). */
  readonly provider?: string;
  readonly cacheReadTokens?: number;
  readonly cacheWriteTokens?: number;
}

/** Raw session counters: what a snapshot carries and what a resumed session starts from. */
export interface BudgetUsage {
  /** Input + output tokens, cache reads and writes included. */
  readonly tokens: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly steps: number;
  /** Wall time spent inside turns, in ms. */
  readonly timeMs: number;
  readonly costUsd: number;
}

/** What `/budget` shows: used and limit of every dimension, for the session and the current (or last) turn. */
export interface BudgetSnapshot {
  readonly session: Readonly<Record<BudgetDimension, BudgetDimensionStatus>>;
  readonly turn: Readonly<Record<BudgetDimension, BudgetDimensionStatus>>;
  readonly isTurnActive: boolean;
  readonly usageSource: UsageSource;
  /** The session counters; pass them as `initialUsage` to continue a resumed session's budget. */
  readonly usage: BudgetUsage;
  /**
   * False when a cost limit is set and a model of the session has no known price: its spend is an estimate at the
   * fallback price, so the cost limit is not enforceable (the notes say for which model). Tokens, steps and time
   * limits hold either way.
   */
  readonly isCostEnforceable: boolean;
  /** Caveats, e.g. `cost not enforceable: no price known for <model>; …`. */
  readonly notes: readonly string[];
}
