import type { Caller } from '@ironcurtain/proto-schemas';

/**
 * Who may answer an escalation in a team (`ESCALATION_APPROVALS`): the session's owner only, the team's approvers
 * only (role `approver` or `admin`), or either (the default).
 */
export const approvalPolicies = ['owner', 'approvers', 'either'] as const;
export type ApprovalPolicy = (typeof approvalPolicies)[number];

/**
 * The workstation's own channels (the CLI and the Signal bridge ask as admins named `cli` and `signal-bridge`): one
 * person behind them, who names themself in the answer (`approver`, e.g. their login name). Any other caller is a
 * person of a team, and the approver recorded is their name from the subject, whatever the answer says.
 */
const workstationCallers = new Set(['cli', 'signal-bridge']);

/** True when `caller` may answer a ticket of a session owned by `owner` (undefined: a session with no owner). */
export function mayAnswer(caller: Caller, owner: string | undefined, policy: ApprovalPolicy): boolean {
  const isOwner = owner !== undefined && caller.name === owner;
  const isApprover = caller.role === 'approver' || caller.role === 'admin';
  if (policy === 'owner') return isOwner || (caller.role === 'admin' && workstationCallers.has(caller.name));
  if (policy === 'approvers') return isApprover;
  return isOwner || isApprover;
}

/** The approver to record: a team person's own name, or the name a workstation channel gives. */
export function approverOf(caller: Caller, namedInAnswer: string): string {
  return workstationCallers.has(caller.name) && caller.role === 'admin' ? namedInAnswer : caller.name;
}
