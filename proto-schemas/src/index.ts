export { defineEndpoint, defineEvent } from './endpoint.js';
export type {
  Endpoint,
  EventDefinition,
  ParsedRequestOf,
  ParsedResponseOf,
  PayloadOf,
  RequestOf,
  ResponseOf,
} from './endpoint.js';
export {
  CallId,
  Decision,
  EscalationStatus,
  PolicyDecision,
  SessionId,
  Timestamp,
  ToolArguments,
  ToolContent,
} from './common.js';
export {
  maximumToolArgumentBytes,
  OversizeArguments,
  PdpDecisionEvent,
  PdpEvaluate,
  PdpToolCall,
  ToolCallRequest,
  ToolCallResponse,
} from './pdp.js';
export {
  CatalogTool,
  ExecutorId,
  McpgwCatalog,
  McpgwExecute,
  mcpgwExecuteAt,
  McpgwPrepare,
  McpgwServerEvent,
  SignedDecision,
} from './mcp-gateway.js';
export {
  AuditAppend,
  AuditCallRecords,
  AuditDecisionDurableEvent,
  decisionDurableEventOf,
  AuditAppendRefusal,
  AuditDecisionRecordInput,
  AuditVerifierRecordInput,
  AuditFilter,
  AuditOutcomeRecordInput,
  AuditPolicyDecision,
  AuditQuery,
  AuditRecord,
  AuditRedaction,
  AuditRecordEvent,
  AuditRecordInput,
  AuditVerify,
  Sha256Hex,
} from './audit.js';
export {
  ArgumentRoleMap,
  EscalationList,
  EscalationOpen,
  EscalationOpenedEvent,
  EscalationResolve,
  EscalationResolvedEvent,
  EscalationTicket,
  WhitelistConstraint,
  WhitelistPattern,
} from './escalation.js';
export {
  agentToolsReadyNotePrefix,
  SessionBudgetEvent,
  SessionBudget,
  SessionList,
  SessionOutputEvent,
  SessionRecordWorkspace,
  SessionSend,
  SessionStart,
  SessionStatus,
  SessionStatusEvent,
  SessionStop,
  SessionSummary,
  sessionsBucket,
  ToolCallNote,
  toolCallOutcomeUnknown,
  WorkspacePath,
} from './session.js';
export {
  EgressLlmUsageEvent,
  EgressProviderName,
  EgressRequestEvent,
  EgressHostName,
  EgressSessionClose,
  EgressSessionHosts,
  EgressSessionOpen,
} from './egress.js';
export { allEndpoints, allEvents } from './registry.js';
export { bucketAccess, endpointAccess, eventAccess } from './access.js';
export type { BucketAccess, EndpointAccess, EventAccess } from './access.js';
export { connectionNameOf, inboxPrefixOf, isPrincipal, isService, principals } from './principals.js';
export type { Principal } from './principals.js';
export {
  callerOfSubject,
  defaultCallerOf,
  isPersonRole,
  personNamePattern,
  personRoles,
  subjectOfRequest,
  subjectServed,
} from './callers.js';
export type { Caller, PersonRole } from './callers.js';
export {
  keyValueReadSubjects,
  keyValueWriteSubjects,
  natsPermissionsOf,
  natsSubjectOf,
  serviceResponses,
} from './nats-permissions.js';
export type { NatsPermissions } from './nats-permissions.js';
export { natsPermissionsOfPerson, personConnectionNameOf, personNameProblem } from './person-permissions.js';
export { subjectAccessTable } from './subject-access-table.js';
export { renderJsonSchemas } from './json-schema.js';
export type { SchemaFile } from './json-schema.js';
export { activePolicyKey, PolicyBundle, policyBucket } from './policy-bundle.js';
export { LifecycleRuleId, lifecycleRuleIds } from './rule-ids.js';
