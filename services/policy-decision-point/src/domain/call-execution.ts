import { AppError, ErrorCode, errorCodeOf } from '@ironcurtain/errors';
import {
  LifecycleRuleId as PdpRuleId,
  type McpgwExecute,
  type ParsedResponseOf,
} from '@ironcurtain/proto-schemas';
import { outcomeRecord, toolErrorText } from './audit-records.js';
import type { CallLifecycleDependencies } from './call-lifecycle.js';
import {
  deniedReply,
  prepareRequestOf,
  publicDecision,
  type Call,
  type PreparedCall,
  type Reply,
  type Verdict,
} from './call-verdict.js';

/**
 * The last steps of an allowed call whose decision is on record: the signed decision goes to the gateway instance
 * that prepared the call, then the outcome record is appended just after the reply goes back.
 */
export async function executeCall(
  deps: CallLifecycleDependencies,
  call: Call,
  prepared: PreparedCall,
  verdict: Verdict,
  escalation: Reply['escalation'],
): Promise<Reply> {
  const base = {
    callId: call.callId,
    decision: publicDecision(verdict),
    escalation,
    policyHash: verdict.policyHash,
  };
  let result: ParsedResponseOf<typeof McpgwExecute>;
  const startedAt = deps.now().getTime();
  const elapsedMs = () => Math.max(0, deps.now().getTime() - startedAt);
  try {
    result = await executeOnPreparer(deps, call, prepared, verdict);
  } catch (error) {
    const failure = `${errorCodeOf(error) ?? 'error'}: ${(error as Error).message}`;
    auditOutcome(deps, call, verdict, { status: 'error', error: failure }, elapsedMs());
    if (errorCodeOf(error) === ErrorCode.NoResponders) {
      // No gateway received the call, so it did not run: a deny the agent may retry, not a failure mid-call.
      const reason = `the tool gateway is not answering (${failure}); the call did not run`;
      return deniedReply(
        call,
        { ...verdict, decision: 'deny', rule: PdpRuleId.GatewayUnavailable, reason },
        escalation,
      );
    }
    const message = `ERROR: the tool call was allowed but failed to run: ${(error as Error).message}`;
    return { ...base, outcome: 'failed', message, isError: true };
  }
  const outcome = result.isError
    ? { status: 'error' as const, error: toolErrorText(result.content) }
    : { status: 'success' as const };
  auditOutcome(deps, call, verdict, outcome, elapsedMs(), result.sandboxed);
  return {
    ...base,
    outcome: 'executed',
    message: result.isError ? 'tool reported an error' : 'ok',
    ...result,
  };
}

/**
 * Signs the decision for the gateway instance that prepared the call and sends it there. That instance may have
 * gone since (a restart while a human decided): no responders means nobody received the call, so it is prepared
 * once more by whichever instance answers, and — only if the canonical arguments hash the same, i.e. it is the call
 * whose decision is already on record — signed afresh for that instance. Anything else fails closed.
 */
async function executeOnPreparer(
  deps: CallLifecycleDependencies,
  call: Call,
  prepared: PreparedCall,
  verdict: Verdict,
): Promise<ParsedResponseOf<typeof McpgwExecute>> {
  try {
    return await sendExecute(deps, call, prepared, verdict);
  } catch (error) {
    if (errorCodeOf(error) !== ErrorCode.NoResponders) throw error;
  }
  // Whatever goes wrong here, nothing ran: it is reported as no responders, so the call is denied.
  const gone = (why: string) =>
    new AppError(ErrorCode.NoResponders, `the gateway instance that prepared the call is gone, and ${why}`);
  let again: Awaited<ReturnType<CallLifecycleDependencies['prepare']>>;
  try {
    again = await deps.prepare(prepareRequestOf(call, prepared.sandboxDir));
  } catch (error) {
    throw gone(`preparing it again failed (${errorCodeOf(error) ?? 'error'})`);
  }
  if (again.status !== 'valid' || again.argsHash !== prepared.argsHash) {
    throw gone('no other instance prepared the same call');
  }
  return sendExecute(deps, call, { ...prepared, executor: again.executor }, verdict);
}

function sendExecute(
  deps: CallLifecycleDependencies,
  call: Call,
  prepared: PreparedCall,
  verdict: Verdict,
): Promise<ParsedResponseOf<typeof McpgwExecute>> {
  const decision = deps.signer.sign({
    callId: call.callId,
    sessionId: call.sessionId,
    serverName: call.serverName,
    toolName: call.toolName,
    argsHash: prepared.argsHash,
    decision: 'allow',
    policyHash: verdict.policyHash ?? '',
    audience: prepared.executor,
  });
  const request = {
    callId: call.callId,
    sessionId: call.sessionId,
    serverName: call.serverName,
    toolName: call.toolName,
    canonicalArguments: prepared.canonicalArguments,
    sandboxDir: prepared.sandboxDir,
    isContainerSession: false,
    decision,
  };
  return deps.execute(request, prepared.executor);
}

function auditOutcome(
  deps: CallLifecycleDependencies,
  call: Call,
  verdict: Verdict,
  result: { status: 'success' | 'error'; error?: string },
  durationMs: number,
  sandboxed?: boolean,
): void {
  // The decision is already on disk; a lost outcome record is reported by the writer's own health, not fatal here.
  const record = outcomeRecord(deps.now(), call, verdict, result, durationMs, sandboxed);
  // Sent once the reply has gone: appended now, its write would reach the socket ahead of the reply's.
  const append = afterReply()
    .then(() => deps.appendAudit(record))
    .catch(() => undefined);
  deps.trackOutcome(append);
}

function afterReply(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
