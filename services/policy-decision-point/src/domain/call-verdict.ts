import type { z } from 'zod';
import type { McpgwPrepare, RequestOf, ToolCallRequest, ToolCallResponse } from '@ironcurtain/proto-schemas';

/** A tool call as it reaches the PDP: with its arguments, or only their measure when they were too large to send. */
export type CallRequest = z.output<typeof ToolCallRequest>;
/** A tool call with its arguments, as the agent asked for it. */
export type Call = CallRequest & { arguments: Record<string, unknown> };
/** The PDP's answer to a tool call. */
export type Reply = z.input<typeof ToolCallResponse>;

/** The decision as it stands at each step of the life of a call. */
export interface Verdict {
  decision: 'allow' | 'deny' | 'escalate';
  rule: string;
  reason: string;
  escalatedRoles?: string[] | undefined;
  /** Each argument's roles for this call, for the escalation-router. */
  argumentRoles?: Record<string, string[]> | undefined;
  policyHash?: string | undefined;
}

/** A call the gateway prepared: its canonical arguments, their hash, and the instance that prepared it. */
export interface PreparedCall {
  sandboxDir: string;
  canonicalArguments: Record<string, unknown>;
  argsHash: string;
  /** The gateway instance that prepared the call: the decision's audience, and where the execute goes. */
  executor: string;
}

/** The `mcpgw.prepare.v1` request for a call. */
export function prepareRequestOf(call: Call, sandboxDir: string): RequestOf<typeof McpgwPrepare> {
  return {
    callId: call.callId,
    sessionId: call.sessionId,
    serverName: call.serverName,
    toolName: call.toolName,
    arguments: call.arguments,
    sandboxDir,
    isContainerSession: false,
  };
}

/** The reply for a denied call: `DENIED: …`, or `ESCALATION DENIED: …` after a human's no. */
export function deniedReply(call: CallRequest, verdict: Verdict, escalation: Reply['escalation']): Reply {
  const prefix =
    escalation !== undefined && escalation.status !== 'approved' ? 'ESCALATION DENIED' : 'DENIED';
  return {
    callId: call.callId,
    outcome: 'denied',
    decision: publicDecision({ ...verdict, decision: 'deny' }),
    message: `${prefix}: ${verdict.reason}`,
    escalation,
    policyHash: verdict.policyHash,
  };
}

/** The decision as the agent sees it. */
export function publicDecision(verdict: Verdict): Reply['decision'] {
  return {
    decision: verdict.decision,
    rule: verdict.rule,
    reason: verdict.reason,
    ...(verdict.escalatedRoles === undefined ? {} : { escalatedRoles: verdict.escalatedRoles }),
  };
}

/** A deny verdict. */
export function deny(rule: string, reason: string, policyHash: string | undefined): Verdict {
  return { decision: 'deny', rule, reason, policyHash };
}
