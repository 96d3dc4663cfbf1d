import { errorCodeOf } from '@ironcurtain/errors';
import {
  LifecycleRuleId as PdpRuleId,
  type EscalationOpen,
  type ParsedResponseOf,
} from '@ironcurtain/proto-schemas';
import type { EscalationFacts } from './audit-records.js';
import type { CallLifecycleDependencies } from './call-lifecycle.js';
import type { Call, PreparedCall, Verdict } from './call-verdict.js';
import { escalationRequestOf } from './escalation-request.js';

type EscalationAnswer = ParsedResponseOf<typeof EscalationOpen>;

/**
 * Step 4 of the life of a call: the escalation to a person (or the auto-approver) through the router, long-polled by
 * `openEscalation`. Approved ⇒ allow; denied, expired or no answer to be had ⇒ deny.
 */
export async function escalate(
  deps: CallLifecycleDependencies,
  call: Call,
  prepared: PreparedCall,
  verdict: Verdict,
): Promise<{ verdict: Verdict; facts?: EscalationFacts }> {
  let answer: EscalationAnswer;
  try {
    answer = await deps.openEscalation(escalationRequestOf(call, prepared, verdict, deps.maxArgumentBytes()));
  } catch (error) {
    const reason = `no approval could be obtained (${errorCodeOf(error) ?? 'error'}): ${verdict.reason}`;
    return { verdict: { ...verdict, decision: 'deny', rule: PdpRuleId.EscalationFailed, reason } };
  }
  const facts: EscalationFacts = {
    reply: {
      ticketId: answer.ticketId,
      status: answer.status,
      ...(answer.approver === undefined ? {} : { approver: answer.approver }),
    },
    autoApproved: answer.autoApproved,
    whitelistPattern: answer.whitelistPattern,
    similarPattern: answer.similarPattern,
    waitMs: answer.waitMs,
  };
  if (answer.status === 'approved') {
    const by = answer.autoApproved ? 'the auto-approver' : (answer.approver ?? 'a human');
    return {
      verdict: { ...verdict, decision: 'allow', reason: `approved by ${by}: ${verdict.reason}` },
      facts,
    };
  }
  const why =
    answer.status === 'expired' ? 'nobody answered in time' : `denied by ${answer.approver ?? 'a human'}`;
  return {
    verdict: {
      ...verdict,
      decision: 'deny',
      rule: PdpRuleId.EscalationDenied,
      reason: `${why}: ${verdict.reason}`,
    },
    facts,
  };
}
