import { AppError, ErrorCode } from '@ironcurtain/errors';

/** What a budget limits: tokens (input + output), model calls (steps), active wall time, estimated cost. */
export type BudgetDimension = 'tokens' | 'steps' | 'time' | 'cost';

/** The dimensions in the order they are checked and reported. */
export const budgetDimensions: readonly BudgetDimension[] = ['tokens', 'steps', 'time', 'cost'];

/** Whether a limit applies to the whole session or to one turn (one user message and the work it causes). */
export type BudgetScope = 'session' | 'turn';

/**
 * Limits of one scope. `null` means unlimited. Time is the wall time spent inside turns (waiting for the user does
 * not count), in milliseconds; cost is the estimated cost in US dollars.
 */
export interface BudgetLimits {
  readonly tokens: number | null;
  readonly steps: number | null;
  readonly timeMs: number | null;
  readonly costUsd: number | null;
}

/** Session defaults: 1,000,000 tokens, 200 steps, 30 minutes, $5. */
export const defaultSessionLimits: BudgetLimits = {
  tokens: 1_000_000,
  steps: 200,
  timeMs: 30 * 60 * 1000,
  costUsd: 5,
};

/** Turn defaults: unlimited in every dimension, so only the session limits apply unless the caller sets some. */
export const defaultTurnLimits: BudgetLimits = { tokens: null, steps: null, timeMs: null, costUsd: null };

/** The fraction of a limit at which a warning is reported (once per dimension and scope). */
export const defaultWarningFraction = 0.8;

/** Fills unset limits from `defaults`, keeping explicit `null` (unlimited); throws `CONFIG_INVALID` for a bad value. */
export function resolveLimits(
  scope: BudgetScope,
  limits: Partial<BudgetLimits> | undefined,
  defaults: BudgetLimits,
): BudgetLimits {
  const resolved: BudgetLimits = {
    tokens: limits?.tokens === undefined ? defaults.tokens : limits.tokens,
    steps: limits?.steps === undefined ? defaults.steps : limits.steps,
    timeMs: limits?.timeMs === undefined ? defaults.timeMs : limits.timeMs,
    costUsd: limits?.costUsd === undefined ? defaults.costUsd : limits.costUsd,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (value !== null && !(Number.isFinite(value) && value > 0)) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `budget limit ${scope}.${name} must be a positive number or null (unlimited); got ${String(value)}`,
      );
    }
  }
  return resolved;
}

/** The limit of `dimension` in `limits`. */
export function limitOf(limits: BudgetLimits, dimension: BudgetDimension): number | null {
  switch (dimension) {
    case 'tokens':
      return limits.tokens;
    case 'steps':
      return limits.steps;
    case 'time':
      return limits.timeMs;
    case 'cost':
      return limits.costUsd;
  }
}

/** How one dimension is doing: used against its limit (`null`: unlimited). Time in ms, cost in USD. */
export interface BudgetDimensionStatus {
  readonly used: number;
  readonly limit: number | null;
}

/** An event a budget tracker reports: 80% of a limit reached (once), or a limit reached (once). */
export interface BudgetEvent {
  readonly type: 'budget-warning' | 'budget-exhausted';
  readonly scope: BudgetScope;
  readonly dimension: BudgetDimension;
  readonly used: number;
  readonly limit: number;
}

/** Which limit stopped the agent, with a message for the user that says what to change. */
export interface BudgetExhaustion {
  readonly scope: BudgetScope;
  readonly dimension: BudgetDimension;
  readonly used: number;
  readonly limit: number;
  readonly message: string;
}

/** Writes the used/limit of a dimension for people: `1,000,123 tokens`, `31.0 min`, `$5.02`. */
export function formatBudgetAmount(dimension: BudgetDimension, amount: number): string {
  switch (dimension) {
    case 'tokens':
      return `${Math.round(amount).toLocaleString('en-US')} tokens`;
    case 'steps':
      return `${Math.round(amount)} steps`;
    case 'time':
      return `${(amount / 60_000).toFixed(1)} min`;
    case 'cost':
      return `$${amount.toFixed(2)}`;
  }
}

/** The message of an exhausted limit: what ran out, how much was used, and how to go on. */
export function exhaustionMessage(
  scope: BudgetScope,
  dimension: BudgetDimension,
  used: number,
  limit: number,
): string {
  const what = scope === 'session' ? 'session' : 'turn';
  const next =
    scope === 'session'
      ? 'Raise the session budget (or set it to unlimited) and resume, or start a new session.'
      : 'Send another message to continue, or raise the per-turn budget.';
  return (
    `The ${what} ${dimension} budget is exhausted: ${formatBudgetAmount(dimension, used)} used of ` +
    `${formatBudgetAmount(dimension, limit)}. The agent stopped. ${next}`
  );
}
