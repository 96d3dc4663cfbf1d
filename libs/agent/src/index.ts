export { runTurn } from './run-turn.js';
export type { RunTurnOptions, TurnOutcome, TurnResult } from './turn-types.js';
export { parseConversation } from './conversation/conversation.js';
export {
  compactConversation,
  compactionSummaryMarker,
  isCompactionSummary,
  maximumSummaryCharacters,
  planCompaction,
  summaryMessage,
} from './conversation/conversation-compaction.js';
export type {
  CompactionPlan,
  CompactionResult,
  SummarizeConversation,
} from './conversation/conversation-compaction.js';
export {
  createConversationCompactor,
  estimateMessageTokens,
  estimateTokens,
} from './conversation/conversation-compactor.js';
export type {
  CompactionReport,
  CompactionRequest,
  ConversationCompactor,
  ConversationCompactorOptions,
} from './conversation/conversation-compactor.js';
export {
  createModelSummarizer,
  maximumPartCharacters,
  renderConversationForSummary,
} from './conversation/conversation-summarizer.js';
export type { ModelSummarizerOptions } from './conversation/conversation-summarizer.js';
export type { StepUsage } from './model-step.js';
export type { ModelMessage } from 'ai';
export type { AgentEvent, AgentEventListener } from './agent-events.js';
export { buildSystemPrompt } from './system-prompt.js';
export type { SystemPromptOptions } from './system-prompt.js';
export { createExecuteCodeTool, executeCodeToolName } from './execute-code-tool.js';
export type { ExecuteCodeContext } from './execute-code-tool.js';
export { formatExecutionResult, summarizeExecution } from './format-execution.js';
export { createBudgetTracker } from './budget/budget-tracker.js';
export type { BudgetTracker, BudgetTrackerOptions } from './budget/budget-tracker.js';
export { formatBudgetSnapshot } from './budget/budget-report.js';
export type { BudgetSnapshot, BudgetUsage, UsageRecord, UsageSource } from './budget/budget-usage.js';
export {
  budgetDimensions,
  defaultSessionLimits,
  defaultTurnLimits,
  defaultWarningFraction,
  formatBudgetAmount,
} from './budget/budget-limits.js';
export type {
  BudgetDimension,
  BudgetDimensionStatus,
  BudgetEvent,
  BudgetExhaustion,
  BudgetLimits,
  BudgetScope,
} from './budget/budget-limits.js';
export {
  costNotEnforceableReason,
  costOfTokens,
  lookupModelPrice,
  modelNameOf,
  modelPrices,
  unknownModelPrice,
} from './budget/model-prices.js';
export type { ModelPrice, PriceLookup, PricedTokens } from './budget/model-prices.js';
export { createLoopDetector, defaultLoopDetection } from './loop-detector.js';
export type { LoopDetectionOptions, LoopDetector, LoopVerdict } from './loop-detector.js';
export { describeModelError } from './model-error.js';
export type { ModelFailure } from './model-error.js';
