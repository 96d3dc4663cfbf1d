import { z } from 'zod';
import { CallId, Decision, SessionId, Timestamp, ToolArguments } from './common.js';
import { personNamePattern, personRoles } from './callers.js';
import { defineEndpoint, defineEvent } from './endpoint.js';
import { ArgumentRoleMap } from './escalation.js';
import { OversizeArguments } from './pdp.js';

/** A lowercase hex SHA-256: the links of the audit hash chain. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256 (64 characters)');

/**
 * The policy's answer as the trail keeps it (IronCurtain's `policyDecision`): the final status after any escalation
 * — an approved escalation is `allow`, a refused or expired one `deny` — with the rule and reason that settled it.
 */
export const AuditPolicyDecision = z.object({
  status: Decision,
  rule: z.string().min(1),
  reason: z.string(),
});

// Fields of both kinds of record. `requestId` is the tool call's id (`callId` of pdp.toolcall.v1); with `kind` it
// names the record, so a retried append of the same record is answered from the trail instead of written twice.
const recordCommon = {
  timestamp: Timestamp,
  requestId: CallId,
  sessionId: SessionId,
  userId: z.string().min(1).optional(),
  serverName: z.string().min(1),
  toolName: z.string().min(1),
  policyDecision: AuditPolicyDecision,
  /** Content hash of the policy that decided; empty when no policy was active. */
  policyHash: z.string(),
};

/**
 * Written BEFORE any effect: what was asked (canonical arguments) and what the policy (and a human) decided. The
 * writer may redact `arguments`; `argsHash` is taken before that, by the PDP, so a record always names exactly the
 * call the gateway ran.
 */
export const AuditDecisionRecordInput = z.object({
  kind: z.literal('decision'),
  ...recordCommon,
  arguments: ToolArguments,
  /**
   * SHA-256 (lowercase hex) of the canonical JSON (sorted keys, no whitespace) of the unredacted arguments: once the
   * gateway prepared the call, of its canonical arguments — the hash the PDP signs into the decision and the gateway
   * checks before it runs the call; else of the arguments as asked. Absent only with `oversize` when it cannot be
   * taken (the PDP never had the arguments, or they nest too deep to hash), and in records written before it was added.
   */
  argsHash: Sha256Hex.optional(),
  /**
   * The gateway process that prepared the call: the only one an allowed call's signed decision is addressed to. A
   * retry of the call after a failure asks that process what became of it, and runs it nowhere else.
   */
  executor: z.string().min(1).max(64).optional(),
  /**
   * Each argument's roles, from the active policy's annotation of the tool (conditional roles resolved). The writer
   * never rewrites the value of an argument with a path, URL or identifier role: it names what ran.
   */
  argumentRoles: ArgumentRoleMap.optional(),
  /** Arguments too large to carry or record (rule `arguments-too-large`): `arguments` is `{}`, this measures them. */
  oversize: OversizeArguments.optional(),
  escalationResult: z.enum(['approved', 'denied']).optional(),
  /** The escalation ticket and who answered it (a person, or `auto-approver`). */
  escalation: z
    .object({
      ticketId: z.string().min(1),
      approver: z.string().optional(),
      /** How long the ticket waited for its answer (opened to settled, ms), as the router reports it. */
      waitMs: z.number().int().nonnegative().optional(),
    })
    .optional(),
  autoApproved: z.boolean().optional(),
  whitelistApproved: z.boolean().optional(),
  /** The session whitelist pattern that approved the call (`whitelistApproved`). */
  whitelistPattern: z.string().optional(),
  /** The pattern an "approve and allow similar" answer added to the session's whitelist. */
  similarPattern: z.string().optional(),
});

/** Written after an allowed call ran: how it ended, how long it took, whether the server was OS-sandboxed. */
export const AuditOutcomeRecordInput = z.object({
  kind: z.literal('outcome'),
  ...recordCommon,
  result: z.object({ status: z.enum(['success', 'error']), error: z.string().optional() }),
  durationMs: z.number().nonnegative(),
  sandboxed: z.boolean().optional(),
});

/**
 * Written by the gateway when it refuses to execute: a decision that is forged, replayed, expired, for other
 * arguments, or arguments that no longer check out. `refusalId` names this refusal, so every refusal of the same call
 * id (a replay is exactly that) is its own fact in the trail; a retried append of one refusal keeps its id.
 */
export const AuditVerifierRecordInput = z.object({
  kind: z.literal('verifier'),
  ...recordCommon,
  refusalId: z.string().min(1).max(128),
  arguments: ToolArguments,
  /** SHA-256 of the canonical JSON of the unredacted arguments the gateway refused (what a decision would sign). */
  argsHash: Sha256Hex.optional(),
  /** Each argument's roles from the active policy's annotation: path, URL and identifier values are never rewritten. */
  argumentRoles: ArgumentRoleMap.optional(),
  refusal: z.object({ reason: z.string().min(1), message: z.string() }),
  /** The public key the decision claimed to be signed with. */
  signer: z.string().optional(),
});

/**
 * Written by a service that refused a person a person-addressed request (the session-orchestrator: another person's
 * session; the escalation-router: another person's escalation). The common fields say it in the terms every reader
 * of the trail shows: `requestId` names this refusal (one per attempt), `sessionId` and `userId` are the session and
 * its owner (absent for a session started before sessions had owners), `serverName` the service that refused, `toolName` the endpoint, `policyDecision` a `deny`
 * with rule `not-session-owner` (orchestrator) or `not-an-approver` (router) and a reason free of ids (the trail's
 * redaction could mask them); `policyHash` is empty (no policy decided this).
 */
export const AuditAccessRecordInput = z.object({
  kind: z.literal('access'),
  ...recordCommon,
  /** Who asked, as the request's subject named them (their NATS permissions pin it). */
  caller: z.object({ name: z.string().regex(personNamePattern), role: z.enum(personRoles) }),
  /** The endpoint refused, e.g. `session.stop.v1` (`toolName` repeats it). */
  endpoint: z.string().min(1).max(128),
  outcome: z.literal('forbidden'),
});

/** One fact for the trail, as its producer sends it. The writer redacts it and adds `seq`, `prevHash` and `hash`. */
export const AuditRecordInput = z.discriminatedUnion('kind', [
  AuditDecisionRecordInput,
  AuditOutcomeRecordInput,
  AuditVerifierRecordInput,
  AuditAccessRecordInput,
]);

/**
 * What the writer's redaction did to one field of a record: `redacted` — the matches of `rule` were replaced (by
 * `[REDACTED:<rule>]`, or masked digits for card numbers and SSNs); `kept` — `rule` matched in the value of a path,
 * URL or identifier argument, which names what ran and so stays exactly as it was.
 */
export const AuditRedaction = z.object({
  /** A JSON Pointer (RFC 6901) into the record, e.g. `/arguments/content` or `/policyDecision/reason`. */
  field: z.string(),
  rule: z.string().min(1),
  action: z.enum(['redacted', 'kept']),
});

// `hash` = sha256 of the canonical JSON of the record without `hash`; `prevHash` = the previous record's `hash`
// (64 zeros for seq 0). Seqs start at 0 and count up by one per session. `redactions` is the writer's, so a producer
// cannot send one (the input schemas strip it); it is covered by the hash like every other field.
const chainFields = {
  redactions: z.array(AuditRedaction).optional(),
  seq: z.number().int().nonnegative(),
  prevHash: Sha256Hex,
  hash: Sha256Hex,
};

/** A record as it stands in `sessions/<id>/audit.jsonl`: redacted (and what was, listed), numbered, chained. */
export const AuditRecord = z.discriminatedUnion('kind', [
  AuditDecisionRecordInput.extend(chainFields),
  AuditOutcomeRecordInput.extend(chainFields),
  AuditVerifierRecordInput.extend(chainFields),
  AuditAccessRecordInput.extend(chainFields),
]);

const AppendReply = z.object({
  seq: z.number().int().nonnegative(),
  hash: Sha256Hex,
  isDuplicate: z.boolean().default(false),
});

/**
 * The PDP's records: a decision, and the outcome of an allowed call. Only the PDP may request it (proto-schemas
 * access), so no other service can put a decision into the trail.
 */
export const AuditAppend = defineEndpoint({
  subject: 'audit.append.v1',
  description:
    'Append one decision or outcome record; replies only after it is on disk (fsync). A record already in the ' +
    'trail (same requestId and kind) is not written again: the reply names the stored one and says isDuplicate.',
  request: z.object({
    record: z.discriminatedUnion('kind', [AuditDecisionRecordInput, AuditOutcomeRecordInput]),
  }),
  response: AppendReply,
});

/**
 * Refusals: the gateway's refusal to execute (`verifier`) and the session-orchestrator's refusal of another person's
 * session (`access`). A subject of its own, so the permission to record what one refused is not a permission to record
 * decisions.
 */
export const AuditAppendRefusal = defineEndpoint({
  subject: 'audit.append-refusal.v1',
  description:
    "Append a refusal: the gateway's record of a call it refused to execute (verifier), or a service's record of a " +
    "request it refused a person (access: another person's session); replies only after it is on disk (fsync), " +
    'like audit.append.v1.',
  request: z.object({
    record: z.discriminatedUnion('kind', [AuditVerifierRecordInput, AuditAccessRecordInput]),
  }),
  response: AppendReply,
});

/** Which records a query wants; every field given must match (`decision` is `policyDecision.status`). */
export const AuditFilter = z.object({
  sessionId: SessionId.optional(),
  userId: z.string().min(1).optional(),
  decision: Decision.optional(),
  serverName: z.string().min(1).optional(),
  toolName: z.string().min(1).optional(),
  rule: z.string().min(1).optional(),
  kind: z.enum(['decision', 'outcome', 'verifier', 'access']).optional(),
  /** Records at or after this time. */
  since: Timestamp.optional(),
  /** Records before this time. */
  until: Timestamp.optional(),
});

export const AuditQuery = defineEndpoint({
  subject: 'audit.query.v1',
  addressing: 'person',
  description:
    'Records matching a filter, ordered by (timestamp, sessionId, seq); from PostgreSQL when the writer has one, ' +
    "else from the session files. Page on with nextCursor. A member's query is limited to records whose userId is " +
    "theirs (another userId is refused: FORBIDDEN); an approver's or an admin's is not limited.",
  request: AuditFilter.extend({
    order: z.enum(['asc', 'desc']).default('asc'),
    cursor: z.string().min(1).max(400).optional(),
    limit: z.number().int().min(1).max(10_000).default(1000),
  }),
  response: z.object({
    records: z.array(AuditRecord),
    hasMore: z.boolean(),
    nextCursor: z.string().optional(),
    source: z.enum(['files', 'postgres']),
  }),
});

export const AuditVerify = defineEndpoint({
  subject: 'audit.verify.v1',
  addressing: 'person',
  description:
    'Check the hash chain of one session trail; names the first bad seq. A member may check only a trail whose ' +
    'records are all theirs (else FORBIDDEN).',
  request: z.object({ sessionId: SessionId }),
  response: z.object({
    sessionId: SessionId,
    isValid: z.boolean(),
    /** Records that chain correctly from the start. */
    records: z.number().int().nonnegative(),
    lastSeq: z.number().int().nonnegative().optional(),
    headHash: Sha256Hex.optional(),
    firstBadSeq: z.number().int().nonnegative().optional(),
    /** 1-based line of the first problem. */
    line: z.number().int().positive().optional(),
    tampering: z.enum(['edited', 'deleted', 'inserted', 'reordered', 'malformed', 'truncated']).optional(),
    problem: z.string().optional(),
    /** The last line is an incomplete write (a crash); the writer sets it aside when it next opens the file. */
    hasTornTail: z.boolean().default(false),
    /** Torn tails set aside earlier (`audit.jsonl.torn-<time>`), kept beside the trail. */
    setAside: z.array(z.string()).default([]),
  }),
});

/**
 * What the trail holds of one call: the PDP asks when a call comes again after its first attempt got no answer (a PDP
 * or bus failure), so that a call decided (and maybe run) is not decided and run again. Only the PDP may ask.
 */
export const AuditCallRecords = defineEndpoint({
  subject: 'audit.call-records.v1',
  description:
    "The decision and outcome records of one call id in one session's trail, as stored (redacted); none when the " +
    'call was never decided.',
  request: z.object({ sessionId: SessionId, callId: CallId }),
  response: z.object({
    decision: AuditDecisionRecordInput.extend(chainFields).optional(),
    outcome: AuditOutcomeRecordInput.extend(chainFields).optional(),
  }),
});

/**
 * A decision record is on disk (fsync): published by the audit-writer only (NATS permissions), before it answers the
 * append, for the gateway process the decision names (`executor`). That process holds an allowed call until this
 * event says its decision — this call id, this session, allow, these arguments' hash, addressed to it — is durable:
 * the PDP may send the execute while the append is still being written, and the effect still never precedes the record.
 */
export const AuditDecisionDurableEvent = defineEvent({
  subject: 'audit.evt.decision-durable.v1',
  description: 'A decision record is on disk: what the gateway waits for before it runs an allowed call.',
  payload: z.object({
    sessionId: SessionId,
    requestId: CallId,
    status: Decision,
    argsHash: Sha256Hex.optional(),
    executor: z.string().min(1).max(64).optional(),
    seq: z.number().int().nonnegative(),
  }),
});

/** The durability event of a decision record as the writer stores it (`seq` its place in the trail). */
export function decisionDurableEventOf(
  record: z.input<typeof AuditDecisionRecordInput>,
  seq: number,
): z.input<typeof AuditDecisionDurableEvent.payload> {
  return {
    sessionId: record.sessionId,
    requestId: record.requestId,
    status: record.policyDecision.status,
    ...(record.argsHash === undefined ? {} : { argsHash: record.argsHash }),
    ...(record.executor === undefined ? {} : { executor: record.executor }),
    seq,
  };
}

export const AuditRecordEvent = defineEvent({
  subject: 'audit.evt.record.v1',
  description: 'One per record, after it is on disk: what `ironcurtain audit tail -f` follows.',
  payload: z.object({ record: AuditRecord }),
});
