import { z } from 'zod';
import { CallId, EscalationStatus, SessionId, Timestamp, ToolArguments } from './common.js';
import { defineEndpoint, defineEvent } from './endpoint.js';

/**
 * Each argument's roles for this one call, as the PDP resolved them from the tool annotation (conditional roles
 * applied). The router needs them to know which arguments are resource identifiers: the auto-approver sees only
 * those, and a session whitelist pattern is built only from the values of the escalated roles.
 */
export const ArgumentRoleMap = z.record(z.string(), z.array(z.string()));

/**
 * One constraint of a session whitelist pattern, on the values of one escalated role:
 * - `directory`: a path role's value equals `value` or lies under `value + "/"`;
 * - `domain`: a `fetch-url` value's hostname equals `value` exactly (no wildcard, no subdomains);
 * - `repository`: a `git-remote-url` value equals the canonical `host/owner/repo` in `value`;
 * - `identifier`: an identifier role's value equals `value` (lowercase).
 */
export const WhitelistConstraint = z.object({
  role: z.string().min(1),
  kind: z.enum(['directory', 'domain', 'repository', 'identifier']),
  value: z.string().min(1),
});

/**
 * "Approve and allow similar": within one session, a later escalation on `serverName` whose every escalated role's
 * every value meets one of the constraints for that role is approved without asking. Built only from the escalated
 * roles' values of the approved ticket; never turns a deny into an allow (only escalations reach the router).
 */
export const WhitelistPattern = z.object({
  serverName: z.string().min(1),
  constraints: z.array(WhitelistConstraint).min(1),
  /** The ticket whose approval created the pattern, and who approved it. */
  ticketId: z.string().min(1),
  approver: z.string().min(1),
  createdAt: Timestamp,
});

export const EscalationTicket = z.object({
  /** `esc_` + 16 hex digits, derived from the session and call ids (so opening is idempotent). */
  id: z.string().min(1),
  callId: CallId,
  sessionId: SessionId,
  userId: z.string().optional(),
  serverName: z.string(),
  toolName: z.string(),
  canonicalArguments: ToolArguments,
  /**
   * The arguments as the agent asked for them, when they differ from `canonicalArguments` (the form that will run:
   * a relative path made absolute in the sandbox, a git remote name resolved to its URL). For the person's eyes
   * only: the policy, the auto-approver and session whitelists look at `canonicalArguments` alone. Absent when both
   * are the same, or when both together would not fit one message.
   */
  requestedArguments: ToolArguments.optional(),
  argsHash: z.string(),
  reason: z.string(),
  rule: z.string(),
  escalatedRoles: z.array(z.string()),
  argumentRoles: ArgumentRoleMap.default({}),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  status: EscalationStatus,
  approver: z.string().optional(),
  channel: z.string().optional(),
  resolvedAt: Timestamp.optional(),
  /** Approved by the auto-approver (an LLM), not a human. */
  autoApproved: z.boolean().default(false),
  /** The session whitelist pattern that approved this call without asking (`approver` is then "whitelist"). */
  whitelistPattern: z.string().optional(),
  /** The pattern this approval added to the session whitelist ("approve and allow similar"). */
  similarPattern: z.string().optional(),
});

export const EscalationOpen = defineEndpoint({
  subject: 'escalation.open.v1',
  description:
    'Open a ticket (idempotent by session and callId) and wait up to waitSeconds for its answer; a reply with ' +
    'status "pending" means: still waiting, send the same request again.',
  request: z.object({
    callId: CallId,
    sessionId: SessionId,
    userId: z.string().optional(),
    serverName: z.string().min(1),
    toolName: z.string().min(1),
    canonicalArguments: ToolArguments,
    /** As the ticket's `requestedArguments`: the agent's form, only when it differs from the canonical one. */
    requestedArguments: ToolArguments.optional(),
    argsHash: z.string(),
    reason: z.string(),
    rule: z.string(),
    escalatedRoles: z.array(z.string()).default([]),
    argumentRoles: ArgumentRoleMap.default({}),
    userMessage: z.string().max(20_000).optional(),
    /**
     * How long the router may hold this request before answering "pending". The opener's request deadline must be
     * longer; re-sending the same open (same callId) after a pending answer, a timeout or no responders is how an
     * opener survives a router restart.
     */
    waitSeconds: z.number().int().min(1).max(60).default(20),
  }),
  response: z.object({
    ticketId: z.string(),
    /** `pending` only when waitSeconds passed first: ask again. Anything but `approved` is a deny. */
    status: EscalationStatus,
    approver: z.string().optional(),
    channel: z.string().optional(),
    autoApproved: z.boolean().default(false),
    whitelistPattern: z.string().optional(),
    similarPattern: z.string().optional(),
    expiresAt: Timestamp.optional(),
    /** A settled ticket: how long it waited for its answer, from opening to settling (ms). */
    waitMs: z.number().int().nonnegative().optional(),
  }),
});

export const EscalationResolve = defineEndpoint({
  subject: 'escalation.resolve.v1',
  addressing: 'person',
  description:
    'Answer a ticket; the first valid answer wins, later ones are told who resolved it. Anything but "approved" ' +
    'counts as denied; answers after expiry are refused.',
  request: z.object({
    ticketId: z.string().min(1),
    decision: z.string(),
    approver: z.string().min(1),
    channel: z.string().min(1),
    /** With `approved`: also allow similar calls for the rest of the session (refused when it would not constrain). */
    allowSimilar: z.boolean().default(false),
  }),
  response: z.object({
    ticketId: z.string(),
    isAccepted: z.boolean(),
    status: EscalationStatus,
    resolvedBy: z.string().optional(),
    similarPattern: z.string().optional(),
  }),
});

export const EscalationList = defineEndpoint({
  subject: 'escalation.list.v1',
  addressing: 'person',
  description: 'Pending tickets, oldest first, optionally for one session.',
  request: z.object({ sessionId: SessionId.optional() }),
  response: z.object({ tickets: z.array(EscalationTicket) }),
});

export const EscalationOpenedEvent = defineEvent({
  subject: 'escalation.evt.opened.v1',
  description: 'A ticket waits for a human answer.',
  payload: z.object({ ticket: EscalationTicket }),
});

export const EscalationResolvedEvent = defineEvent({
  subject: 'escalation.evt.resolved.v1',
  description: 'A ticket was answered (by a human, the auto-approver or the session whitelist) or expired.',
  payload: z.object({
    ticketId: z.string(),
    sessionId: SessionId,
    status: EscalationStatus,
    approver: z.string().optional(),
    channel: z.string().optional(),
    autoApproved: z.boolean().default(false),
    whitelistPattern: z.string().optional(),
    similarPattern: z.string().optional(),
  }),
});
