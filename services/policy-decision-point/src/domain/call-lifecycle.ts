import type { DecisionSigner } from '@ironcurtain/decision-token';
import { ErrorCode, errorCodeOf } from '@ironcurtain/errors';
import type {
  AuditCallRecords,
  AuditAppend,
  EscalationOpen,
  McpgwExecute,
  McpgwPrepare,
  ParsedResponseOf,
  PayloadOf,
  PdpDecisionEvent,
  RequestOf,
} from '@ironcurtain/proto-schemas';
import { decisionRecord, type EscalationFacts, type RecordedArguments } from './audit-records.js';
import { argumentRolesOf } from './argument-roles.js';
import { escalate } from './call-escalation.js';
import { recoverToolCall } from './call-recovery.js';
import { runAllowedCall } from './allowed-call.js';
import {
  deniedReply,
  deny,
  prepareRequestOf,
  type Call,
  type CallRequest,
  type PreparedCall,
  type Reply,
  type Verdict,
} from './call-verdict.js';
import type { BreakerVerdict } from './circuit-breaker.js';
import {
  inspectArguments,
  oversizeOfCanonical,
  tooLargeReason,
  type ArgumentsMeasure,
} from './oversize-arguments.js';
import { LifecycleRuleId as PdpRuleId } from '@ironcurtain/proto-schemas';
import type { PolicyHolder } from './policy-holder.js';
import type { SessionSandboxes } from './session-sandbox.js';

type Prepared = ParsedResponseOf<typeof McpgwPrepare>;
type EscalationAnswer = ParsedResponseOf<typeof EscalationOpen>;

/** Everything the life of a call talks to, injected so this file holds the logic and none of the wiring. */
export interface CallLifecycleDependencies {
  home: string;
  policy: PolicyHolder;
  /** Each session's sandbox directory (its workspace or its own), from KV `sessions`; throws when unknown. */
  sandboxes: SessionSandboxes;
  breaker: {
    record(call: {
      sessionId: string;
      serverName: string;
      toolName: string;
      argsHash: string;
    }): BreakerVerdict;
  };
  signer: DecisionSigner;
  prepare(request: RequestOf<typeof McpgwPrepare>): Promise<Prepared>;
  openEscalation(request: RequestOf<typeof EscalationOpen>): Promise<EscalationAnswer>;
  /** `audit.call-records.v1`: what the trail holds of a call (asked only for a call that comes again). */
  callRecords(sessionId: string, callId: string): Promise<ParsedResponseOf<typeof AuditCallRecords>>;
  /** Holds the decision record of a call denied because the trail could not be written, to append it later. */
  holdUnrecordedDenial(record: RequestOf<typeof AuditAppend>['record']): void;
  /** `audit.append.v1`: the PDP's decision and outcome records. */
  appendAudit(record: RequestOf<typeof AuditAppend>['record']): Promise<void>;
  /** Sends the execute to the gateway instance `executor`, on its own subject (`mcpgw.execute.v1.<executor>`). */
  execute(
    request: RequestOf<typeof McpgwExecute>,
    executor: string,
  ): Promise<ParsedResponseOf<typeof McpgwExecute>>;
  publishDecision(event: PayloadOf<typeof PdpDecisionEvent>): void;
  /**
   * Takes an outcome record's append, which runs while the reply goes back: the decision is already durable, so the
   * caller need not wait for the outcome too. The service awaits what it holds before it stops.
   */
  trackOutcome(append: Promise<void>): void;
  /**
   * The most argument bytes a call may carry (`maximumToolArgumentBytes` of the bus's max payload): larger arguments
   * would not fit the messages that carry them on (prepare, escalation, audit record), so they are denied.
   */
  maxArgumentBytes(): number;
  now(): Date;
}

/**
 * The life of one tool call (ARCHITECTURE.md): prepare → evaluate → escalate → audit → execute → audit. Every failure
 * on the way is a deny the agent can read; nothing executes unless the decision is allow and durably audited. A call
 * whose arguments are too large to carry (or came without them, only their measure) is denied and recorded by size
 * and hash, so no call goes unrecorded for its size. A call that comes again after a failure (attempt 2) is first
 * looked up in the trail, so that it is never decided or run twice (`call-recovery.ts`).
 */
export async function runToolCall(deps: CallLifecycleDependencies, request: CallRequest): Promise<Reply> {
  if (request.attempt > 1) return recoverToolCall(deps, request, () => decideToolCall(deps, request));
  return decideToolCall(deps, request);
}

async function decideToolCall(deps: CallLifecycleDependencies, request: CallRequest): Promise<Reply> {
  const inspected = inspectArguments(request, deps.maxArgumentBytes());
  if (!inspected.isRecordable) {
    const verdict = deny(PdpRuleId.ArgumentsTooLarge, inspected.reason, deps.policy.policyHash);
    const recorded = { arguments: {}, argsHash: inspected.argsHash, oversize: inspected.oversize };
    return (
      (await recordDecision(deps, request, verdict, recorded, undefined)) ??
      deniedReply(request, verdict, undefined)
    );
  }
  const { call } = inspected;
  let sandboxDir: string;
  try {
    sandboxDir = await deps.sandboxes.sandboxDirOf(call.sessionId);
  } catch (error) {
    const reason = `${(error as Error).message}; no call of this session may run until it is known`;
    const verdict = deny(PdpRuleId.SandboxUnknown, reason, deps.policy.policyHash);
    const recorded = { arguments: call.arguments, argsHash: inspected.argsHash };
    return (
      (await recordDecision(deps, call, verdict, recorded, undefined)) ??
      deniedReply(call, verdict, undefined)
    );
  }
  const preparation = await prepareCall(deps, call, sandboxDir);
  let verdict = preparation.verdict;
  let facts: EscalationFacts | undefined;
  if (verdict.decision === 'escalate' && preparation.prepared !== undefined) {
    const escalated = await escalate(deps, call, preparation.prepared, verdict);
    verdict = escalated.verdict;
    facts = escalated.facts;
  }
  const escalation = facts?.reply;
  const recorded = recordedArgumentsOf(deps, call, sandboxDir, preparation, verdict, inspected.argsHash);
  const { prepared } = preparation;
  if (verdict.decision !== 'allow' || prepared === undefined || preparation.oversize !== undefined) {
    return (
      (await recordDecision(deps, call, verdict, recorded, facts)) ?? deniedReply(call, verdict, escalation)
    );
  }
  return runAllowedCall(deps, call, prepared, verdict, escalation, (appendFailure) =>
    recordDecision(deps, call, verdict, recorded, facts, appendFailure),
  );
}

/**
 * Appends the decision record and publishes the decision; a denied reply when the record cannot be written (nothing
 * may run then), else undefined.
 */
async function recordDecision(
  deps: CallLifecycleDependencies,
  call: CallRequest,
  verdict: Verdict,
  recorded: RecordedArguments,
  facts: EscalationFacts | undefined,
  appendFailure: { code?: string } = {},
): Promise<Reply | undefined> {
  try {
    await deps.appendAudit(decisionRecord(deps.now(), call, verdict, recorded, facts));
  } catch (error) {
    appendFailure.code = errorCodeOf(error) ?? 'error';
    if (errorCodeOf(error) === ErrorCode.Conflict) {
      // Another attempt of this very call recorded its decision first (a retry overtook a PDP that was only slow):
      // that decision stands, and this attempt answers from it instead of deciding and running the call again.
      return recoverToolCall(deps, call, async () => {
        const reason = 'the trail holds another decision for this call id, which cannot be read back';
        return deniedReply(
          call,
          { decision: 'deny', rule: PdpRuleId.AuditUnavailable, reason },
          facts?.reply,
        );
      });
    }
    const reason = `the audit trail cannot be written (${errorCodeOf(error) ?? 'error'}), so no call may run`;
    const denial: Verdict = {
      decision: 'deny',
      rule: PdpRuleId.AuditUnavailable,
      reason,
      policyHash: verdict.policyHash,
    };
    // Recorded once the writer is back, so the outage shows in the trail too.
    deps.holdUnrecordedDenial(decisionRecord(deps.now(), call, denial, recorded, facts));
    return deniedReply(call, denial, facts?.reply);
  }
  deps.publishDecision({
    callId: call.callId,
    sessionId: call.sessionId,
    serverName: call.serverName,
    toolName: call.toolName,
    decision: verdict.decision,
    rule: verdict.rule,
    reason: verdict.reason,
    policyHash: verdict.policyHash ?? '',
    at: deps.now().toISOString(),
  });
  return undefined;
}

/**
 * The arguments as the decision record keeps them: the canonical ones with the hash the PDP signs (or, when the
 * gateway did not prepare the call, those asked for with their hash), and each argument's roles so the writer never
 * rewrites a path, URL or identifier; canonical arguments too large to record leave only their measure.
 */
function recordedArgumentsOf(
  deps: CallLifecycleDependencies,
  call: Call,
  sandboxDir: string,
  preparation: Preparation,
  verdict: Verdict,
  askedHash: string,
): RecordedArguments {
  const { prepared, oversize } = preparation;
  if (oversize !== undefined) return { arguments: {}, argsHash: prepared?.argsHash, oversize };
  const recordedArguments = prepared?.canonicalArguments ?? call.arguments;
  const evaluator = deps.policy.evaluatorFor(call.sessionId, sandboxDir);
  const argumentRoles =
    verdict.argumentRoles ??
    (evaluator === undefined
      ? undefined
      : argumentRolesOf(evaluator, call.serverName, call.toolName, recordedArguments));
  return {
    arguments: recordedArguments,
    argsHash: prepared?.argsHash ?? askedHash,
    executor: prepared?.executor,
    argumentRoles,
  };
}

/** A call as the gateway prepared it (or not), and the verdict so far. */
interface Preparation {
  verdict: Verdict;
  prepared?: PreparedCall;
  /** Canonical arguments too large to carry on: their measure (the verdict is then a deny). */
  oversize?: ArgumentsMeasure;
}

async function prepareCall(
  deps: CallLifecycleDependencies,
  call: Call,
  sandboxDir: string,
): Promise<Preparation> {
  let prepared: Prepared;
  try {
    prepared = await deps.prepare(prepareRequestOf(call, sandboxDir));
  } catch (error) {
    const reason = `the tool gateway could not check the arguments (${errorCodeOf(error) ?? 'error'})`;
    return { verdict: deny(PdpRuleId.GatewayUnavailable, reason, deps.policy.policyHash) };
  }
  if (prepared.status === 'invalid') {
    return { verdict: deny('invalid-arguments', prepared.reason, deps.policy.policyHash) };
  }
  const ready: PreparedCall = {
    sandboxDir,
    canonicalArguments: prepared.canonicalArguments,
    argsHash: prepared.argsHash,
    executor: prepared.executor,
  };
  const maxBytes = deps.maxArgumentBytes();
  const oversize = oversizeOfCanonical(prepared.canonicalArguments, maxBytes);
  if (oversize !== undefined) {
    const reason = tooLargeReason(oversize.bytes, maxBytes);
    return {
      verdict: deny(PdpRuleId.ArgumentsTooLarge, reason, deps.policy.policyHash),
      prepared: ready,
      oversize,
    };
  }
  const breaker = deps.breaker.record({ ...call, argsHash: prepared.argsHash });
  if (breaker.isTripped) {
    const reason = `more than ${breaker.count - 1} identical calls within a minute; stop repeating this call`;
    return { verdict: deny(PdpRuleId.CircuitBreaker, reason, deps.policy.policyHash), prepared: ready };
  }
  const evaluator = deps.policy.evaluatorFor(call.sessionId, sandboxDir);
  if (evaluator === undefined) {
    const reason = 'no policy is active (an operator runs `ironcurtain policy activate DIR`)';
    return { verdict: deny(PdpRuleId.NoActivePolicy, reason, undefined), prepared: ready };
  }
  const decided = evaluator.evaluate({
    serverName: call.serverName,
    toolName: call.toolName,
    arguments: prepared.canonicalArguments,
  });
  const argumentRoles = argumentRolesOf(
    evaluator,
    call.serverName,
    call.toolName,
    prepared.canonicalArguments,
  );
  return { verdict: { ...decided, escalatedRoles: decided.escalatedRoles, argumentRoles }, prepared: ready };
}
