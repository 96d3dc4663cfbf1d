import { isDeepStrictEqual } from 'node:util';
import type { EscalationOpen, RequestOf } from '@ironcurtain/proto-schemas';
import type { Call, PreparedCall, Verdict } from './call-verdict.js';
import { measureArguments } from './oversize-arguments.js';

/**
 * The `escalation.open.v1` request for a call the policy escalated: the canonical arguments (what will run, what the
 * policy judged and what the router decides on) and, when the agent asked for them in another form (a relative path,
 * a remote's name), that form too, so the person sees both. The agent's form is left out when both together would
 * take more than `maxArgumentBytes` (the bus could not carry the request then); the prompt shows the canonical form
 * alone, which is the one that runs.
 */
export function escalationRequestOf(
  call: Call,
  prepared: PreparedCall,
  verdict: Verdict,
  maxArgumentBytes: number,
): RequestOf<typeof EscalationOpen> {
  const requested = requestedArgumentsOf(call.arguments, prepared.canonicalArguments, maxArgumentBytes);
  return {
    callId: call.callId,
    sessionId: call.sessionId,
    ...(call.userId === undefined ? {} : { userId: call.userId }),
    serverName: call.serverName,
    toolName: call.toolName,
    canonicalArguments: prepared.canonicalArguments,
    ...(requested === undefined ? {} : { requestedArguments: requested }),
    argsHash: prepared.argsHash,
    reason: verdict.reason,
    rule: verdict.rule,
    escalatedRoles: verdict.escalatedRoles ?? [],
    argumentRoles: verdict.argumentRoles ?? {},
    ...(call.userMessage === undefined ? {} : { userMessage: call.userMessage }),
  };
}

/** The arguments as asked when they differ from the canonical ones and both fit `maxBytes` together, else undefined. */
export function requestedArgumentsOf(
  asked: Record<string, unknown>,
  canonical: Record<string, unknown>,
  maxBytes: number,
): Record<string, unknown> | undefined {
  if (isDeepStrictEqual(asked, canonical)) return undefined;
  const bytes = measureArguments(asked).bytes + measureArguments(canonical).bytes;
  return bytes > maxBytes ? undefined : asked;
}
