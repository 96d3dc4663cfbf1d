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
import { policyBucket } from './policy-bundle.js';
import type { Principal } from './principals.js';
import {
  SessionBudget,
  SessionBudgetEvent,
  SessionList,
  SessionOutputEvent,
  SessionSend,
  SessionStart,
  SessionStatusEvent,
  SessionStop,
  sessionsBucket,
} from './session.js';

/** Who answers a request/reply subject and who may ask it. */
export interface EndpointAccess {
  readonly kind: 'endpoint';
  readonly definition: Endpoint;
  readonly servedBy: Principal;
  readonly requestedBy: readonly Principal[];
  /**
   * `instance`: the endpoint lives only on `<subject>.<instance id>`, one subject per serving process (see
   * `mcpgwExecuteAt`), so the permissions name `<subject>.*`; the plain subject is granted to no one.
   */
  readonly addressing?: 'instance';
}

/** Who publishes an event and who may subscribe to it. */
export interface EventAccess {
  readonly kind: 'event';
  readonly definition: EventDefinition;
  readonly publishedBy: Principal;
  readonly subscribedBy: readonly Principal[];
}

/** A JetStream KV bucket: who writes it (and reads it back), and who only reads or watches it. */
export interface BucketAccess {
  readonly kind: 'bucket';
  readonly bucket: string;
  readonly description: string;
  readonly writtenBy: readonly Principal[];
  readonly readBy: readonly Principal[];
}

const endpoint = (
  definition: Endpoint,
  access: Omit<EndpointAccess, 'kind' | 'definition'>,
): EndpointAccess => ({ kind: 'endpoint', definition, ...access });

const event = (
  definition: EventDefinition,
  access: Omit<EventAccess, 'kind' | 'definition'>,
): EventAccess => ({ kind: 'event', definition, ...access });

/**
 * Every endpoint of the registry with the one principal that serves it and those that may request it. Read from
 * the code (each service's `serve`/`request` calls; a static test keeps the two in step). An empty `requestedBy`
 * means no process asks it today: it stays shut until a caller is declared here. The signal-bridge acts for its one
 * pinned person: it answers escalations, and starts, feeds, lists, stops and reports on that person's sessions.
 */
export const endpointAccess: readonly EndpointAccess[] = [
  // The CLI asks too: a compile's live lists are tool calls decided and audited like an agent's
  // (services/cli/src/domain/compile/compile-list-tools.ts), and the security suites drive the PDP on its login.
  endpoint(PdpToolCall, { servedBy: 'policy-decision-point', requestedBy: ['session-orchestrator', 'cli'] }),
  // `policy eval` evaluates in the CLI's own process; nobody dry-runs over the bus yet.
  endpoint(PdpEvaluate, { servedBy: 'policy-decision-point', requestedBy: [] }),
  endpoint(McpgwCatalog, { servedBy: 'mcp-gateway', requestedBy: ['session-orchestrator', 'cli'] }),
  endpoint(McpgwPrepare, { servedBy: 'mcp-gateway', requestedBy: ['policy-decision-point'] }),
  // No bypass (ARCHITECTURE invariant 2): only the PDP may ask a gateway to execute, and only the addressed form
  // exists on the bus.
  endpoint(McpgwExecute, {
    servedBy: 'mcp-gateway',
    requestedBy: ['policy-decision-point'],
    addressing: 'instance',
  }),
  // The PDP records decisions and outcomes; the gateway records the calls its verifier refused (`kind: verifier`),
  // the orchestrator the requests for another person's session it refused, the router the answers to another
  // person's escalation it refused (`kind: access`).
  endpoint(AuditAppend, { servedBy: 'audit-writer', requestedBy: ['policy-decision-point'] }),
  endpoint(AuditCallRecords, { servedBy: 'audit-writer', requestedBy: ['policy-decision-point'] }),
  endpoint(AuditAppendRefusal, {
    servedBy: 'audit-writer',
    requestedBy: ['mcp-gateway', 'session-orchestrator', 'escalation-router'],
  }),
  endpoint(AuditQuery, { servedBy: 'audit-writer', requestedBy: ['cli'] }),
  endpoint(AuditVerify, { servedBy: 'audit-writer', requestedBy: ['cli'] }),
  endpoint(EscalationOpen, { servedBy: 'escalation-router', requestedBy: ['policy-decision-point'] }),
  // Approver channels only: the person's CLI and the Signal bridge (its one pinned identity).
  endpoint(EscalationResolve, { servedBy: 'escalation-router', requestedBy: ['cli', 'signal-bridge'] }),
  // The bridge lists the pending tickets when it starts, so an escalation opened while it was down still reaches the phone.
  endpoint(EscalationList, { servedBy: 'escalation-router', requestedBy: ['cli', 'signal-bridge'] }),
  // Tasks come in from the CLI and from Signal (ARCHITECTURE: the bridge starts and feeds sessions).
  endpoint(SessionStart, { servedBy: 'session-orchestrator', requestedBy: ['cli', 'signal-bridge'] }),
  endpoint(SessionSend, { servedBy: 'session-orchestrator', requestedBy: ['cli', 'signal-bridge'] }),
  endpoint(SessionStop, { servedBy: 'session-orchestrator', requestedBy: ['cli', 'signal-bridge'] }),
  endpoint(SessionBudget, { servedBy: 'session-orchestrator', requestedBy: ['cli', 'signal-bridge'] }),
  endpoint(SessionList, { servedBy: 'session-orchestrator', requestedBy: ['cli', 'signal-bridge'] }),
  // The escalation-router's auto-approver calls its model through the egress with a sentinel of its own session;
  // `ironcurtain setup` checks a key the same way, with a throwaway session it closes again.
  endpoint(EgressSessionOpen, {
    servedBy: 'mitm-egress',
    requestedBy: ['session-orchestrator', 'escalation-router', 'cli'],
  }),
  endpoint(EgressSessionClose, { servedBy: 'mitm-egress', requestedBy: ['session-orchestrator', 'cli'] }),
  // Only after the policy allowed a `proxy` virtual tool call, which the gateway executes.
  endpoint(EgressSessionHosts, { servedBy: 'mitm-egress', requestedBy: ['mcp-gateway'] }),
];

/** Every event of the registry with its one publisher and its subscribers (empty: nobody listens yet). */
export const eventAccess: readonly EventAccess[] = [
  event(PdpDecisionEvent, { publishedBy: 'policy-decision-point', subscribedBy: [] }),
  event(McpgwServerEvent, { publishedBy: 'mcp-gateway', subscribedBy: [] }),
  // `ironcurtain audit tail`.
  event(AuditRecordEvent, { publishedBy: 'audit-writer', subscribedBy: ['cli'] }),
  // The gateway runs an allowed call only once its decision is on disk; only the writer may say so.
  event(AuditDecisionDurableEvent, { publishedBy: 'audit-writer', subscribedBy: ['mcp-gateway'] }),
  event(EscalationOpenedEvent, { publishedBy: 'escalation-router', subscribedBy: ['cli', 'signal-bridge'] }),
  event(EscalationResolvedEvent, {
    publishedBy: 'escalation-router',
    subscribedBy: ['cli', 'signal-bridge'],
  }),
  event(SessionOutputEvent, { publishedBy: 'session-orchestrator', subscribedBy: ['cli', 'signal-bridge'] }),
  // The router drops a session's whitelist and the gateway its MCP servers when the session ends.
  event(SessionStatusEvent, {
    publishedBy: 'session-orchestrator',
    subscribedBy: ['cli', 'signal-bridge', 'escalation-router', 'mcp-gateway'],
  }),
  event(SessionBudgetEvent, { publishedBy: 'session-orchestrator', subscribedBy: ['cli'] }),
  event(EgressRequestEvent, { publishedBy: 'mitm-egress', subscribedBy: [] }),
  // The orchestrator counts an external agent's token usage against its budget.
  event(EgressLlmUsageEvent, { publishedBy: 'mitm-egress', subscribedBy: ['session-orchestrator'] }),
];

/**
 * Every JetStream KV bucket. Readers may create a missing bucket (whoever starts first creates it with the same
 * options) and read or watch it, but not put, delete or purge keys; writers may also put.
 */
export const bucketAccess: readonly BucketAccess[] = [
  {
    kind: 'bucket',
    bucket: policyBucket,
    description:
      'The active policy bundle; `ironcurtain up` and `policy activate` publish it, every replica watches it.',
    writtenBy: ['cli'],
    readBy: ['policy-decision-point', 'mcp-gateway'],
  },
  {
    kind: 'bucket',
    bucket: sessionsBucket,
    description:
      'Session records (status, budget, workspace) for list and resume; the PDP reads the workspace: its `$SANDBOX`.',
    writtenBy: ['session-orchestrator'],
    // The PDP takes a session's sandbox (its workspace) from here: the orchestrator writes it, the agent cannot.
    readBy: ['policy-decision-point'],
  },
  {
    kind: 'bucket',
    bucket: 'escalations',
    description: 'Escalation tickets, shared by every router replica.',
    writtenBy: ['escalation-router'],
    readBy: [],
  },
  {
    kind: 'bucket',
    bucket: 'escalation-whitelists',
    description: 'Per-session "approve and allow similar" patterns.',
    writtenBy: ['escalation-router'],
    readBy: [],
  },
  {
    kind: 'bucket',
    bucket: 'egress-sessions',
    description: "Each session's sentinel keys, proxy token and extra hosts, shared by every egress replica.",
    writtenBy: ['mitm-egress'],
    readBy: [],
  },
  {
    kind: 'bucket',
    bucket: 'signal-inbox',
    description:
      'Every Signal envelope the bridge received, stored before it is acted on (7 days, for dedupe).',
    writtenBy: ['signal-bridge'],
    readBy: [],
  },
  {
    kind: 'bucket',
    bucket: 'signal-state',
    description:
      "The Signal bridge's lock after an identity change, the person's sessions, the escalation labels.",
    writtenBy: ['signal-bridge'],
    readBy: [],
  },
];
