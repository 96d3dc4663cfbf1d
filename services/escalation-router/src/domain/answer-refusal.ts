import { randomUUID } from 'node:crypto';
import type { AuditAppendRefusal, Caller, RequestOf } from '@ironcurtain/proto-schemas';
import type { Ticket } from './ticket.js';

/** The rule an access refusal of the router names: the caller may not answer this escalation. */
export const notAnApproverRule = 'not-an-approver';

type AccessRecord = Extract<RequestOf<typeof AuditAppendRefusal>['record'], { kind: 'access' }>;

/** The audit record of an answer the router refused (`kind: access`), in the ticket's session and owner. */
export function answerRefusalRecordOf(
  caller: Caller,
  ticket: Ticket,
  policy: string,
  at: Date,
): AccessRecord {
  return {
    kind: 'access',
    timestamp: at.toISOString(),
    requestId: `access-${randomUUID()}`,
    sessionId: ticket.sessionId,
    ...(ticket.userId === undefined ? {} : { userId: ticket.userId }),
    serverName: 'escalation-router',
    toolName: 'escalation.resolve.v1',
    // Ids stay out of the reason (the ticket is in the session's trail already): the redaction may mask them.
    policyDecision: {
      status: 'deny',
      rule: notAnApproverRule,
      reason: `the caller may not answer another person's escalation (approvals: ${policy})`,
    },
    policyHash: '',
    caller: { name: caller.name, role: caller.role },
    endpoint: 'escalation.resolve.v1',
    outcome: 'forbidden',
  };
}
