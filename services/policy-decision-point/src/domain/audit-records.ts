import type { z } from 'zod';
import type { AuditAppend, RequestOf, ToolCallRequest, ToolCallResponse } from '@ironcurtain/proto-schemas';

type Call = z.output<typeof ToolCallRequest>;
type AuditRecordInputValue = RequestOf<typeof AuditAppend>['record'];

/**
 * What a decision record says about the arguments: the canonical ones (or those asked for, when the gateway did not
 * prepare the call), the hash of them unredacted, each argument's roles (so the writer never rewrites a path, URL or
 * identifier), or — for arguments too large to record — `{}` and their measure.
 */
export interface RecordedArguments {
  arguments: Record<string, unknown>;
  argsHash?: string | undefined;
  /** The gateway process that prepared the call: where its signed decision is addressed. */
  executor?: string | undefined;
  argumentRoles?: Record<string, string[]> | undefined;
  oversize?: { bytes: number; sha256: string } | undefined;
}

/** The decision as the audit records it: the final one, after any escalation. */
interface AuditedVerdict {
  decision: 'allow' | 'deny' | 'escalate';
  rule: string;
  reason: string;
  policyHash?: string | undefined;
}

/** How an escalation ended, as the reply and the audit record tell it. */
export interface EscalationFacts {
  reply: NonNullable<z.input<typeof ToolCallResponse>['escalation']>;
  autoApproved: boolean;
  /** The session whitelist pattern that approved the call, when one did. */
  whitelistPattern?: string | undefined;
  /** The pattern an "approve and allow similar" answer created. */
  similarPattern?: string | undefined;
  /** How long the ticket waited for its answer, as the router reports it. */
  waitMs?: number | undefined;
}

/** The record written BEFORE any effect: the canonical arguments, their hash and the final decision. */
export function decisionRecord(
  now: Date,
  call: Call,
  verdict: AuditedVerdict,
  recorded: RecordedArguments,
  facts: EscalationFacts | undefined,
): AuditRecordInputValue {
  return {
    kind: 'decision',
    ...recordCommon(now, call, verdict),
    arguments: recorded.arguments,
    ...(recorded.argsHash === undefined ? {} : { argsHash: recorded.argsHash }),
    ...(recorded.executor === undefined ? {} : { executor: recorded.executor }),
    ...(recorded.argumentRoles === undefined ? {} : { argumentRoles: recorded.argumentRoles }),
    ...(recorded.oversize === undefined ? {} : { oversize: recorded.oversize }),
    ...(facts === undefined ? {} : escalationFields(facts)),
  };
}

/** The record written after an allowed call ran (or failed to). */
export function outcomeRecord(
  now: Date,
  call: Call,
  verdict: AuditedVerdict,
  result: { status: 'success' | 'error'; error?: string },
  durationMs: number,
  sandboxed: boolean | undefined,
): AuditRecordInputValue {
  return {
    kind: 'outcome',
    ...recordCommon(now, call, verdict),
    result,
    durationMs,
    ...(sandboxed === undefined ? {} : { sandboxed }),
  };
}

/** The first text block of a tool's error result, shortened: enough to tell what went wrong. The writer redacts it. */
export function toolErrorText(content: ReadonlyArray<{ type: string; text?: unknown }> | undefined): string {
  const text = content?.find((block) => block.type === 'text' && typeof block.text === 'string')?.text;
  return typeof text === 'string' ? text.slice(0, 500) : 'the tool reported an error';
}

// The fields both records of a call carry: IronCurtain's audit entry, plus session, user and policy hash.
function recordCommon(now: Date, call: Call, verdict: AuditedVerdict) {
  return {
    timestamp: now.toISOString(),
    requestId: call.callId,
    sessionId: call.sessionId,
    ...(call.userId === undefined ? {} : { userId: call.userId }),
    serverName: call.serverName,
    toolName: call.toolName,
    policyDecision: { status: verdict.decision, rule: verdict.rule, reason: verdict.reason },
    policyHash: verdict.policyHash ?? '',
  };
}

function escalationFields(facts: EscalationFacts) {
  const { reply } = facts;
  return {
    // IronCurtain knows approved and denied; a ticket nobody answered in time was denied.
    escalationResult: reply.status === 'approved' ? ('approved' as const) : ('denied' as const),
    escalation: {
      ticketId: reply.ticketId,
      ...(reply.approver === undefined ? {} : { approver: reply.approver }),
      ...(facts.waitMs === undefined ? {} : { waitMs: facts.waitMs }),
    },
    ...(facts.autoApproved ? { autoApproved: true } : {}),
    ...(facts.whitelistPattern === undefined
      ? {}
      : { whitelistApproved: true, whitelistPattern: facts.whitelistPattern }),
    ...(facts.similarPattern === undefined ? {} : { similarPattern: facts.similarPattern }),
  };
}
