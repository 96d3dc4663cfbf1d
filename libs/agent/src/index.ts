export { runTurn } from './run-turn.js';
export type { RunTurnOptions, TurnOutcome, TurnResult } from './turn-types.js';
export { parseConversation } from './conversation.js';
export type { ModelMessage } from 'ai';
export type { AgentEvent, AgentEventListener } from './agent-events.js';
export { buildSystemPrompt } from './system-prompt.js';
export type { SystemPromptOptions } from './system-prompt.js';
export { createExecuteCodeTool, executeCodeToolName } from './execute-code-tool.js';
export type { ExecuteCodeContext } from './execute-code-tool.js';
export { formatExecutionResult, summarizeExecution } from './format-execution.js';
export { createBudgetTracker } from './budget-tracker.js';
export type { BudgetTracker, BudgetTrackerOptions } from './budget-tracker.js';
export { formatBudgetSnapshot } from './budget-report.js';
export type { BudgetSnapshot, BudgetUsage, UsageRecord, UsageSource } from './budget-usage.js';
export {
  budgetDimensions,
  defaultSessionLimits,
  defaultTurnLimits,
  defaultWarningFraction,
  formatBudgetAmount,
} from './budget-limits.js';
export type {
  BudgetDimension,
  BudgetDimensionStatus,
  BudgetEvent,
  BudgetExhaustion,
  BudgetLimits,
  BudgetScope,
} from './budget-limits.js';
export { costOfTokens, lookupModelPrice, modelPrices, unknownModelPrice } from './model-prices.js';
export type { ModelPrice, PriceLookup, PricedTokens } from './model-prices.js';
export { createLoopDetector, defaultLoopDetection } from './loop-detector.js';
export type { LoopDetectionOptions, LoopDetector, LoopVerdict } from './loop-detector.js';
export { describeModelError } from './model-error.js';
export type { ModelFailure } from './model-error.js';
