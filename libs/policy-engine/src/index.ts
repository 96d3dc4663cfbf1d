// Artifacts: schemas, loading, hashing.
export { argumentRoles, isArgumentRole, isResourceRole, roleKindOf } from './argument-roles.js';
export type { ArgumentRole, RoleKind } from './argument-roles.js';
export { canonicalJson, sha256Hex } from './canonical-json.js';
export { effectiveListValues, expandListReferences } from './expand-list-references.js';
export type { PolicyWarning } from './expand-list-references.js';
export { loadPolicyDirectory } from './load-policy-directory.js';
export { computePolicyHash, parsePolicyArtifacts, policyFileNames } from './parse-policy-artifacts.js';
export type { AnnotationIndex, LoadedPolicy, RawPolicyArtifacts } from './parse-policy-artifacts.js';
export { PolicyErrorCode } from './policy-error.js';
export {
  compiledPolicySchema,
  compiledRuleSchema,
  decisionSchema,
  reservedRuleIds,
} from './schemas/compiled-policy-schema.js';
export type {
  CompiledPolicyFile,
  CompiledRule,
  Decision,
  ListCondition,
  RuleCondition,
} from './schemas/compiled-policy-schema.js';
export { dynamicListSchema, dynamicListsSchema } from './schemas/dynamic-lists-schema.js';
export type { DynamicList, DynamicListsFile } from './schemas/dynamic-lists-schema.js';
export { formatJsonPath, formatSchemaIssues } from './schemas/format-schema-issues.js';
export { testScenarioSchema, testScenariosSchema } from './schemas/test-scenarios-schema.js';
export type { TestScenario, TestScenariosFile } from './schemas/test-scenarios-schema.js';
export {
  argumentRoleSpecSchema,
  storedToolAnnotationSchema,
  toolAnnotationsSchema,
} from './schemas/tool-annotations-schema.js';
export type {
  ArgumentRoleSpec,
  ConditionalRoles,
  RoleCondition,
  StoredToolAnnotation,
  ToolAnnotationsFile,
} from './schemas/tool-annotations-schema.js';

// Evaluation.
export { hasControlCharacters } from './control-characters.js';
export { domainMatchesAllowlist, domainMatchesPattern, isIpAddress } from './domain-match.js';
export type { DomainTarget } from './domain-match.js';
export { isWithin } from './path-within.js';
export {
  mayHoldSecret,
  pathStates,
  pathStatesArgument,
  readPathStates,
  reservedPathStatesReason,
  withoutPathStates,
} from './path-states.js';
export type { PathState, PathStatesResult } from './path-states.js';
export { secretStorePatternOf, secretStorePatterns } from './secret-store-names.js';
export { createEvaluationContext, createEvaluator } from './evaluate/create-evaluator.js';
export type { Evaluator, EvaluatorOptions } from './evaluate/create-evaluator.js';
export { deriveProtectedPaths } from './evaluate/derive-protected-paths.js';
export type { ProtectedPathSources } from './evaluate/derive-protected-paths.js';
export { evaluate, explain } from './evaluate/evaluate.js';
export type {
  EvaluationContext,
  Explanation,
  ExplanationStep,
  PolicyDecision,
  ToolCall,
} from './evaluate/evaluation-types.js';
export {
  resolveRoleSpec,
  resolveToolAnnotation,
  roleConditionHolds,
} from './evaluate/resolve-tool-annotation.js';
export type { ResolvedArgumentRoles, ResolvedToolAnnotation } from './evaluate/resolve-tool-annotation.js';
export { RuleId } from './evaluate/rule-ids.js';
export type { EngineRuleId } from './evaluate/rule-ids.js';
export { isProtectedPath } from './evaluate/structural-invariants.js';

// Workspaces: which existing directory a session may use as its sandbox (`ironcurtain start --workspace DIR`).
export { checkWorkspace, hostWorkspaceFileSystem, workspacePlacesOf } from './workspace/workspace-check.js';
export type {
  WorkspaceCheck,
  WorkspaceFileSystem,
  WorkspacePlaceSources,
  WorkspacePlaces,
  WorkspaceRefusal,
} from './workspace/workspace-check.js';

// Canonicalization (used by the gateway and the CLI before evaluation).
export { canonicalizeCall, computeArgsHash } from './canonicalize/canonicalize-call.js';
export type { CanonicalCallResult, CanonicalizationContext } from './canonicalize/canonicalize-call.js';
export {
  containerToHostPath,
  defaultContainerWorkspace,
  hostToContainerPath,
} from './canonicalize/container-path.js';
export type { ContainerMapping } from './canonicalize/container-path.js';
export { findGitRepository } from './canonicalize/find-git-repository.js';
export {
  findChangedPathState,
  inspectPathState,
  recordPathStates,
} from './canonicalize/inspect-path-state.js';
export type { ChangedPathState } from './canonicalize/inspect-path-state.js';
export type { GitRepository } from './canonicalize/find-git-repository.js';
export { parseCanonicalGitRemote, parseGitRemote, parseGitRemoteUrl } from './canonicalize/git-remote-url.js';
export type { GitRemoteLocation } from './canonicalize/git-remote-url.js';
export { normalizeFetchUrl } from './canonicalize/normalize-fetch-url.js';
export type { NormalizedFetchUrl } from './canonicalize/normalize-fetch-url.js';
export { gitConfigValues, parseGitConfig } from './canonicalize/parse-git-config.js';
export type { GitConfigEntry } from './canonicalize/parse-git-config.js';
export type { ResolvedGitRemote } from './canonicalize/resolve-call-git-remotes.js';
export { resolveEffectiveGitRemote } from './canonicalize/resolve-effective-git-remote.js';
export type { GitRemoteResolution } from './canonicalize/resolve-effective-git-remote.js';
export { resolveRealPath } from './canonicalize/resolve-real-path.js';
export type { PathBase } from './canonicalize/resolve-real-path.js';
export { validateArgumentsAgainstSchema } from './canonicalize/validate-arguments-against-schema.js';
export type { ArgumentValidationResult } from './canonicalize/validate-arguments-against-schema.js';
export { prepareToolCall } from './canonicalize/prepare-tool-call.js';
export type { PreparedToolCall, ToolFacts } from './canonicalize/prepare-tool-call.js';
