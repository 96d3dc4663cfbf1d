import {
  AuditAppend,
  AuditAppendRefusal,
  AuditCallRecords,
  AuditDecisionDurableEvent,
  AuditQuery,
  AuditRecordEvent,
  AuditVerify,
} from './audit.js';
import {
  EgressLlmUsageEvent,
  EgressRequestEvent,
  EgressSessionClose,
  EgressSessionHosts,
  EgressSessionOpen,
} from './egress.js';
import type { Endpoint, EventDefinition } from './endpoint.js';
import {
  EscalationList,
  EscalationOpen,
  EscalationOpenedEvent,
  EscalationResolve,
  EscalationResolvedEvent,
} from './escalation.js';
import { McpgwCatalog, McpgwExecute, McpgwPrepare, McpgwServerEvent } from './mcp-gateway.js';
import { PdpDecisionEvent, PdpEvaluate, PdpToolCall } from './pdp.js';
import {
  SessionBudgetEvent,
  SessionBudget,
  SessionList,
  SessionOutputEvent,
  SessionSend,
  SessionStart,
  SessionStatusEvent,
  SessionStop,
} from './session.js';

/** Every request/reply subject of the system, for schema generation and contract tests. */
export const allEndpoints: readonly Endpoint[] = [
  PdpToolCall,
  PdpEvaluate,
  McpgwCatalog,
  McpgwPrepare,
  McpgwExecute,
  AuditAppend,
  AuditAppendRefusal,
  AuditQuery,
  AuditVerify,
  AuditCallRecords,
  EscalationOpen,
  EscalationResolve,
  EscalationList,
  SessionStart,
  SessionSend,
  SessionStop,
  SessionBudget,
  SessionList,
  EgressSessionOpen,
  EgressSessionClose,
  EgressSessionHosts,
];

/** Every event subject of the system. */
export const allEvents: readonly EventDefinition[] = [
  PdpDecisionEvent,
  McpgwServerEvent,
  AuditRecordEvent,
  AuditDecisionDurableEvent,
  EscalationOpenedEvent,
  EscalationResolvedEvent,
  SessionOutputEvent,
  SessionStatusEvent,
  SessionBudgetEvent,
  EgressRequestEvent,
  EgressLlmUsageEvent,
];
