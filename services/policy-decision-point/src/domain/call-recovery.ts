import { errorCodeOf } from '@ironcurtain/errors';
import { LifecycleRuleId, type AuditCallRecords, type ParsedResponseOf } from '@ironcurtain/proto-schemas';
import { executeCall, outcomeUnknownReply } from './call-execution.js';
import type { CallLifecycleDependencies } from './call-lifecycle.js';
import { prepareRequestOf, type Call, type CallRequest, type Reply, type Verdict } from './call-verdict.js';

type CallRecords = ParsedResponseOf<typeof AuditCallRecords>;
type DecisionRecord = NonNullable<CallRecords['decision']>;
type OutcomeRecord = NonNullable<CallRecords['outcome']>;

/**
 * A call that comes again (attempt 2, or a decision append that found another attempt's decision already recorded):
 * its first attempt got no answer because a PDP, the bus or a gateway failed, so it may have been decided, and even
 * run. The trail says which (`audit.call-records.v1`):
 * - no decision: nothing ran (the decision is durable before any effect), so it is decided now as if new (`decide`);
 * - a deny: the same deny again;
 * - an allow: the execute goes, freshly signed, to the gateway process the decision names and to no other. That
 *   process runs a call id at most once: it answers with the first run's result (waiting while it runs), or runs it
 *   now if it never took it. When that process is gone, the outcome record says how it went if there is one; else
 *   nobody can say, and the reply is `unknown`: the call may have run.
 * A trail that cannot be read leaves the same doubt: `unknown`, nothing is decided or run.
 */
export async function recoverToolCall(
  deps: CallLifecycleDependencies,
  request: CallRequest,
  decide: () => Promise<Reply>,
): Promise<Reply> {
  let records: CallRecords;
  try {
    records = await deps.callRecords(request.sessionId, request.callId);
  } catch (error) {
    const why = `the trail cannot be read to learn what became of it (${errorCodeOf(error) ?? 'error'})`;
    return outcomeUnknownReply(baseOf(request, undefined), why);
  }
  const { decision, outcome } = records;
  if (decision === undefined) return decide();
  const verdict: Verdict = {
    decision: decision.policyDecision.status,
    rule: decision.policyDecision.rule,
    reason: decision.policyDecision.reason,
    policyHash: decision.policyHash === '' ? undefined : decision.policyHash,
  };
  const escalation = escalationOf(decision);
  if (verdict.decision !== 'allow') return recordedDenial(request, verdict, escalation);
  const executed = await executeOnRecordedExecutor(deps, request, decision, verdict, escalation, outcome);
  if (executed !== undefined) return executed;
  if (outcome !== undefined) return fromOutcomeRecord(request, verdict, escalation, outcome);
  const why = 'the gateway process that was to run it is gone, and no outcome was recorded';
  return outcomeUnknownReply(baseOf(request, verdict, escalation), why);
}

/**
 * Sends the recorded call to its recorded executor: prepared again (the canonical arguments are needed, and the
 * record's may be redacted) and sent only when they hash as recorded — the very call whose decision is on record.
 * Undefined when that cannot be done (arguments not at hand, prepared differently, the executor gone).
 */
async function executeOnRecordedExecutor(
  deps: CallLifecycleDependencies,
  request: CallRequest,
  decision: DecisionRecord,
  verdict: Verdict,
  escalation: Reply['escalation'],
  outcome: OutcomeRecord | undefined,
): Promise<Reply | undefined> {
  if (request.arguments === undefined || decision.executor === undefined || decision.argsHash === undefined)
    return undefined;
  const call: Call = { ...request, arguments: request.arguments };
  let sandboxDir: string;
  let again;
  try {
    sandboxDir = await deps.sandboxes.sandboxDirOf(call.sessionId);
    again = await deps.prepare(prepareRequestOf(call, sandboxDir));
  } catch {
    return undefined;
  }
  if (again.status !== 'valid' || again.argsHash !== decision.argsHash) return undefined;
  const prepared = {
    sandboxDir,
    canonicalArguments: again.canonicalArguments,
    argsHash: again.argsHash,
    executor: decision.executor,
  };
  const reply = await executeCall(deps, call, prepared, verdict, escalation, {
    isRecovery: true,
    isOutcomeRecorded: outcome !== undefined,
  });
  // The executor gone with an outcome on record: that record says more than "unknown".
  return reply.outcome === 'unknown' && outcome !== undefined ? undefined : reply;
}

function recordedDenial(request: CallRequest, verdict: Verdict, escalation: Reply['escalation']): Reply {
  const prefix =
    escalation !== undefined && escalation.status !== 'approved' ? 'ESCALATION DENIED' : 'DENIED';
  return {
    ...baseOf(request, { ...verdict, decision: 'deny' }, escalation),
    outcome: 'denied',
    message: `${prefix}: ${verdict.reason}`,
  };
}

/** The call ran (its outcome is on record) but its output is gone with the process that ran it. */
function fromOutcomeRecord(
  request: CallRequest,
  verdict: Verdict,
  escalation: Reply['escalation'],
  outcome: OutcomeRecord,
): Reply {
  const how =
    outcome.result.status === 'success' ? 'succeeded' : `failed (${outcome.result.error ?? 'error'})`;
  const text =
    `This call already ran and ${how}, before the policy service restarted; its output is no longer available. ` +
    'Check its effect instead of repeating it.';
  return {
    ...baseOf(request, verdict, escalation),
    outcome: 'executed',
    message: outcome.result.status === 'success' ? 'ok' : 'tool reported an error',
    content: [{ type: 'text', text }],
    isError: outcome.result.status !== 'success',
  };
}

function escalationOf(decision: DecisionRecord): Reply['escalation'] {
  if (decision.escalation === undefined) return undefined;
  return {
    ticketId: decision.escalation.ticketId,
    status: decision.escalationResult === 'approved' ? 'approved' : 'denied',
    ...(decision.escalation.approver === undefined ? {} : { approver: decision.escalation.approver }),
  };
}

function baseOf(
  request: CallRequest,
  verdict: Verdict | undefined,
  escalation?: Reply['escalation'],
): Omit<Reply, 'outcome' | 'message'> {
  const decided: Verdict = verdict ?? {
    decision: 'deny',
    rule: LifecycleRuleId.OutcomeUnknown,
    reason: 'what became of this call cannot be told now; it may have run',
  };
  return {
    callId: request.callId,
    decision: { decision: decided.decision, rule: decided.rule, reason: decided.reason },
    ...(escalation === undefined ? {} : { escalation }),
    ...(decided.policyHash === undefined ? {} : { policyHash: decided.policyHash }),
  };
}
