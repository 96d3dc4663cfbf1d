import { AppError, ErrorCode } from '@ironcurtain/errors';
import {
  budgetDimensions,
  defaultSessionLimits,
  defaultTurnLimits,
  defaultWarningFraction,
  exhaustionMessage,
  limitOf,
  resolveLimits,
  type BudgetDimension,
  type BudgetDimensionStatus,
  type BudgetEvent,
  type BudgetExhaustion,
  type BudgetLimits,
  type BudgetScope,
} from './budget-limits.js';
import type { BudgetSnapshot, BudgetUsage, UsageRecord, UsageSource } from './budget-usage.js';
import {
  costNotEnforceableReason,
  costOfTokens,
  lookupModelPrice,
  modelNameOf,
  type ModelPrice,
} from './model-prices.js';

/** Options for {@link createBudgetTracker}. */
export interface BudgetTrackerOptions {
  /** Session limits; unset ones take {@link defaultSessionLimits}, `null` is unlimited. */
  readonly session?: Partial<BudgetLimits>;
  /** Per-turn limits; unset ones are unlimited ({@link defaultTurnLimits}). */
  readonly turn?: Partial<BudgetLimits>;
  /** Default `agent`. See {@link UsageSource}. */
  readonly usageSource?: UsageSource;
  /** Fraction of a limit that triggers the warning (default 0.8). */
  readonly warningFraction?: number;
  /** Clock in ms (default `performance.now`); tests inject one to move time without sleeping. */
  readonly now?: () => number;
  /** Prices that win over the built-in table, by model-name prefix or full `provider:model` id. */
  readonly prices?: Readonly<Record<string, ModelPrice>>;
  /** Price of a model no table knows (default: the conservative `unknownModelPrice`). */
  readonly unknownModelPrice?: ModelPrice;
  /**
   * The session's model (`provider:model`). When no price is known for it, the snapshot says from the start that the
   * cost budget is not enforceable (a note, and `isCostEnforceable: false`); usage of any unpriced model does too.
   */
  readonly modelId?: string;
  /** Counters to start from (a resumed session's `snapshot().usage`). */
  readonly initialUsage?: Partial<BudgetUsage>;
  /** Receives each warning (80%) and exhaustion (100%), once per dimension and scope (per turn for turn limits). */
  readonly onEvent?: (event: BudgetEvent) => void;
}

/** Counts a session's usage against its limits. One tracker per session; the turn runner drives the turn parts. */
export interface BudgetTracker {
  readonly usageSource: UsageSource;
  /** Counts usage fed in from outside (egress events). Ignored (returns false) unless `usageSource` is `external`. */
  recordUsage(usage: UsageRecord): boolean;
  /** Counts usage the agent loop saw in a model response. Ignored (returns false) unless `usageSource` is `agent`. */
  recordAgentUsage(usage: UsageRecord): boolean;
  /** Counts one model call. */
  recordStep(): void;
  /** Starts a turn: per-turn counters and warnings start afresh; turn time starts counting. */
  beginTurn(): void;
  /** Ends the turn: its wall time is added to the session's. */
  endTurn(): void;
  /** The first exhausted limit (session limits first), or undefined while every dimension has room. */
  exhaustion(): BudgetExhaustion | undefined;
  /** Milliseconds left before a time limit (session or turn) runs out; null when time is unlimited. */
  remainingTimeMs(): number | null;
  snapshot(): BudgetSnapshot;
}

interface Counters {
  tokens: number;
  inputTokens: number;
  outputTokens: number;
  steps: number;
  costUsd: number;
}

/**
 * Creates a session budget tracker: tokens, steps, wall time (inside turns) and estimated cost, per session and per
 * turn, each limit configurable or null. Reports a warning at 80% and the exhaustion at 100% once each through
 * `onEvent`; {@link BudgetTracker.exhaustion} is what the turn runner checks between steps. Throws
 * `CONFIG_INVALID` for a limit that is not positive.
 */
export function createBudgetTracker(options: BudgetTrackerOptions = {}): BudgetTracker {
  return new SessionBudget(options);
}

class SessionBudget implements BudgetTracker {
  readonly usageSource: UsageSource;
  readonly #sessionLimits: BudgetLimits;
  readonly #turnLimits: BudgetLimits;
  readonly #warningFraction: number;
  readonly #now: () => number;
  readonly #options: BudgetTrackerOptions;
  readonly #session: Counters;
  #turn: Counters = emptyCounters();
  #sessionTimeMs: number;
  #turnStartedAt: number | undefined;
  #lastTurnTimeMs = 0;
  readonly #reported = new Set<string>();
  readonly #notes = new Set<string>();
  /** Names of the models seen without a price (each noted once). */
  readonly #unpricedModels = new Set<string>();

  constructor(options: BudgetTrackerOptions) {
    this.#options = options;
    this.usageSource = options.usageSource ?? 'agent';
    this.#sessionLimits = resolveLimits('session', options.session, defaultSessionLimits);
    this.#turnLimits = resolveLimits('turn', options.turn, defaultTurnLimits);
    this.#warningFraction = options.warningFraction ?? defaultWarningFraction;
    if (!(this.#warningFraction > 0 && this.#warningFraction < 1)) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `budget warningFraction must be between 0 and 1; got ${this.#warningFraction}`,
      );
    }
    this.#now = options.now ?? (() => performance.now());
    const initial = options.initialUsage ?? {};
    this.#session = {
      tokens: initial.tokens ?? 0,
      inputTokens: initial.inputTokens ?? 0,
      outputTokens: initial.outputTokens ?? 0,
      steps: initial.steps ?? 0,
      costUsd: initial.costUsd ?? 0,
    };
    this.#sessionTimeMs = initial.timeMs ?? 0;
    if (options.modelId !== undefined) this.#notePrice(options.modelId, undefined);
  }

  recordUsage(usage: UsageRecord): boolean {
    return this.usageSource === 'external' && this.#count(usage);
  }

  recordAgentUsage(usage: UsageRecord): boolean {
    return this.usageSource === 'agent' && this.#count(usage);
  }

  recordStep(): void {
    this.#session.steps += 1;
    this.#turn.steps += 1;
    this.#evaluate();
  }

  beginTurn(): void {
    if (this.#turnStartedAt !== undefined) this.endTurn();
    this.#turn = emptyCounters();
    this.#lastTurnTimeMs = 0;
    for (const key of [...this.#reported]) if (key.startsWith('turn:')) this.#reported.delete(key);
    this.#turnStartedAt = this.#now();
  }

  endTurn(): void {
    if (this.#turnStartedAt === undefined) return;
    this.#lastTurnTimeMs = Math.max(0, this.#now() - this.#turnStartedAt);
    this.#sessionTimeMs += this.#lastTurnTimeMs;
    this.#turnStartedAt = undefined;
  }

  exhaustion(): BudgetExhaustion | undefined {
    this.#evaluate();
    for (const scope of ['session', 'turn'] as const) {
      for (const dimension of budgetDimensions) {
        const { used, limit } = this.#status(scope, dimension);
        if (limit !== null && used >= limit) {
          return { scope, dimension, used, limit, message: exhaustionMessage(scope, dimension, used, limit) };
        }
      }
    }
    return undefined;
  }

  remainingTimeMs(): number | null {
    const remaining = (['session', 'turn'] as const).flatMap((scope) => {
      const { used, limit } = this.#status(scope, 'time');
      return limit === null ? [] : [Math.max(0, limit - used)];
    });
    return remaining.length === 0 ? null : Math.min(...remaining);
  }

  snapshot(): BudgetSnapshot {
    this.#evaluate();
    const statuses = (scope: BudgetScope) =>
      Object.fromEntries(
        budgetDimensions.map((dimension) => [dimension, this.#status(scope, dimension)]),
      ) as Record<BudgetDimension, BudgetDimensionStatus>;
    return {
      session: statuses('session'),
      turn: statuses('turn'),
      isTurnActive: this.#turnStartedAt !== undefined,
      usageSource: this.usageSource,
      usage: { ...this.#session, timeMs: this.#status('session', 'time').used },
      isCostEnforceable: this.#unpricedModels.size === 0 || !this.#hasCostLimit(),
      notes: [...this.#notes],
    };
  }

  #count(usage: UsageRecord): boolean {
    const tokens =
      usage.inputTokens + usage.outputTokens + (usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0);
    const lookup = lookupModelPrice(usage.model, {
      ...(usage.provider === undefined ? {} : { provider: usage.provider }),
      ...(this.#options.prices === undefined ? {} : { overrides: this.#options.prices }),
      ...(this.#options.unknownModelPrice === undefined ? {} : { fallback: this.#options.unknownModelPrice }),
    });
    if (!lookup.isKnown) this.#notePrice(usage.model, usage.provider);
    const cost = costOfTokens(usage, lookup.price);
    for (const counters of [this.#session, this.#turn]) {
      counters.tokens += tokens;
      counters.inputTokens += usage.inputTokens;
      counters.outputTokens += usage.outputTokens;
      counters.costUsd += cost;
    }
    this.#evaluate();
    return true;
  }

  /**
   * Notes once per model name that no price is known for it. Its spend is still counted at the fallback price, so a
   * cost limit still stops it (early, or too late: the note says so), while the limit cannot be called enforced.
   */
  #notePrice(model: string, provider: string | undefined): void {
    const options = {
      ...(provider === undefined ? {} : { provider }),
      ...(this.#options.prices === undefined ? {} : { overrides: this.#options.prices }),
      ...(this.#options.unknownModelPrice === undefined ? {} : { fallback: this.#options.unknownModelPrice }),
    };
    const reason = costNotEnforceableReason(model, options);
    const name = modelNameOf(model);
    if (reason === undefined || this.#unpricedModels.has(name)) return;
    this.#unpricedModels.add(name);
    if (this.#hasCostLimit()) return void this.#notes.add(reason);
    // Without a cost limit there is nothing to enforce: the cost shown is an estimate, and the note says only that.
    const { inputPerMillionUsd, outputPerMillionUsd } = lookupModelPrice(model, options).price;
    this.#notes.add(
      `cost is an estimate: no price known for ${model}; counted at the fallback $${inputPerMillionUsd} / ` +
        `$${outputPerMillionUsd} per million input / output tokens`,
    );
  }

  #hasCostLimit(): boolean {
    return this.#sessionLimits.costUsd !== null || this.#turnLimits.costUsd !== null;
  }

  #status(scope: BudgetScope, dimension: BudgetDimension): BudgetDimensionStatus {
    const limits = scope === 'session' ? this.#sessionLimits : this.#turnLimits;
    return { used: this.#used(scope, dimension), limit: limitOf(limits, dimension) };
  }

  #used(scope: BudgetScope, dimension: BudgetDimension): number {
    if (dimension === 'time') {
      const running = this.#turnStartedAt === undefined ? 0 : Math.max(0, this.#now() - this.#turnStartedAt);
      if (scope === 'session') return this.#sessionTimeMs + running;
      return this.#turnStartedAt === undefined ? this.#lastTurnTimeMs : running;
    }
    const counters = scope === 'session' ? this.#session : this.#turn;
    return dimension === 'tokens'
      ? counters.tokens
      : dimension === 'steps'
        ? counters.steps
        : counters.costUsd;
  }

  /** Reports each newly crossed threshold once. */
  #evaluate(): void {
    for (const scope of ['session', 'turn'] as const) {
      for (const dimension of budgetDimensions) {
        const { used, limit } = this.#status(scope, dimension);
        if (limit === null) continue;
        if (used >= this.#warningFraction * limit)
          this.#report('budget-warning', scope, dimension, used, limit);
        if (used >= limit) this.#report('budget-exhausted', scope, dimension, used, limit);
      }
    }
  }

  #report(
    type: BudgetEvent['type'],
    scope: BudgetScope,
    dimension: BudgetDimension,
    used: number,
    limit: number,
  ): void {
    const key = `${scope}:${dimension}:${type}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    try {
      this.#options.onEvent?.({ type, scope, dimension, used, limit });
    } catch {
      // A listener's failure must not stop the accounting (or the agent loop that called in).
    }
  }
}

function emptyCounters(): Counters {
  return { tokens: 0, inputTokens: 0, outputTokens: 0, steps: 0, costUsd: 0 };
}
