// LLM access: one client per compile, answers validated, repaired and cached.
export { askForJson, repairPrompt } from './llm/ask-for-json.js';
export type { AskContext, JsonQuestion } from './llm/ask-for-json.js';
export { contentKey, createContentCache } from './llm/content-cache.js';
export type { ContentCache } from './llm/content-cache.js';
export { extractJson } from './llm/extract-json.js';
export type { ExtractedJson } from './llm/extract-json.js';
export { createInteractionLog } from './llm/interaction-log.js';
export type { InteractionLog } from './llm/interaction-log.js';
export { createLlmClient } from './llm/llm-client.js';
export type {
  LlmClient,
  LlmClientOptions,
  LlmExchange,
  LlmInteraction,
  LlmMessage,
} from './llm/llm-client.js';

// Tool annotation.
export { annotateServer, annotateTools, annotationBatchSize } from './annotate/annotate-tools.js';
export type { AnnotateOptions } from './annotate/annotate-tools.js';
export { annotationAnswerSchema, checkAnnotationAnswer } from './annotate/annotation-answer.js';
export type { AnnotationAnswer } from './annotate/annotation-answer.js';
export { annotationTask } from './annotate/annotation-prompt.js';
export {
  argumentNamesOf,
  listedServersSchema,
  listedToolSchema,
  toolsInputHash,
} from './annotate/listed-tool.js';
export type { ListedServers, ListedTool } from './annotate/listed-tool.js';
export { defaultServerRoles, rolesForServer } from './annotate/server-roles.js';

// Compilation.
export { compilePolicy } from './compile/compile-policy.js';
export type { CompilePolicyOptions, CompilePolicyResult } from './compile/compile-policy.js';
export type { RepairRound, ServerCompileResult } from './compile/compile-server.js';
export { formatClauses, parseConstitution, readConstitution } from './compile/constitution.js';
export type { Constitution, ConstitutionClause } from './compile/constitution.js';
export type { DroppedScenario } from './compile/generate-scenarios.js';
export { generateScenariosTask } from './compile/scenario-prompt.js';
export { handwrittenInvariants } from './compile/handwritten-scenarios.js';
export { judgeFailures, judgeTask } from './compile/judge-failures.js';
export type { Verdict } from './compile/judge-failures.js';
export { mapWithConcurrency } from './compile/map-with-concurrency.js';
export type { CompileStage, ProgressEvent, ProgressListener } from './compile/progress.js';
export { applyOperations, repairTask } from './compile/repair-rules.js';
export type { RuleOperation } from './compile/repair-rules.js';
export { resolveLists, resolveListTask } from './compile/resolve-lists.js';
export type { ListToolCaller, ResolveListsOptions } from './compile/resolve-lists.js';
export {
  checkRules,
  listDefinitionSchema,
  ruleAnswerSchema,
  rulesAnswerSchema,
} from './compile/rule-answer.js';
export type { ListDefinition, RuleAnswer, RulesAnswer } from './compile/rule-answer.js';
export { compileRulesTask } from './compile/rule-prompt.js';
export { buildTraceability, formatTraceability } from './compile/traceability.js';
export type { TraceabilityReport } from './compile/traceability.js';

// Verification and artifacts.
export { createScenarioRunner, describeFailure, isExpectedDecision } from './verify/scenario-runner.js';
export type {
  ScenarioDecision,
  ScenarioFailure,
  ScenarioRunner,
  VerificationEnvironment,
} from './verify/scenario-runner.js';
export { writeFileAtomic } from './artifacts/write-file-atomic.js';
export { writePolicyArtifacts } from './artifacts/write-policy-artifacts.js';
export type { PolicyArtifacts } from './artifacts/write-policy-artifacts.js';

// Keeping a compiled policy current.
export { refreshDynamicLists } from './compile/refresh-lists.js';
export type { ListChange } from './compile/refresh-lists.js';
export { reviseConstitution, reviseConstitutionTask } from './customize/revise-constitution.js';
export type { ConstitutionRevision } from './customize/revise-constitution.js';
