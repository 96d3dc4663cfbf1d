import { budgetDimensions, formatBudgetAmount, type BudgetDimensionStatus } from './budget-limits.js';
import type { BudgetSnapshot } from './budget-usage.js';

/**
 * Writes a budget snapshot as the lines `/budget` shows: one per dimension with used / limit and the percentage
 * (`tokens  12,345 tokens of 1,000,000 tokens (1%)`), the current turn's use where a per-turn limit is set, then the
 * snapshot's notes. A cost limit that cannot be enforced (a model without a price) says so on its line.
 */
export function formatBudgetSnapshot(snapshot: BudgetSnapshot): string {
  const lines = budgetDimensions.map((dimension) => {
    const caveat =
      dimension === 'cost' && !snapshot.isCostEnforceable ? ', not enforceable (see the note)' : '';
    const session = `${dimension.padEnd(6)} ${describeStatus(dimension, snapshot.session[dimension])}${caveat}`;
    const turn = snapshot.turn[dimension];
    return turn.limit === null ? session : `${session}; this turn ${describeStatus(dimension, turn)}`;
  });
  return [...lines, ...snapshot.notes.map((note) => `note: ${note}`)].join('\n');
}

function describeStatus(dimension: (typeof budgetDimensions)[number], status: BudgetDimensionStatus): string {
  const used = formatBudgetAmount(dimension, status.used);
  if (status.limit === null) return `${used} (unlimited)`;
  const percent = Math.floor((100 * status.used) / status.limit);
  return `${used} of ${formatBudgetAmount(dimension, status.limit)} (${percent}%)`;
}
