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

/** How an allowed call is sent: the first time, or again after a failure (`call-recovery.ts`). */
export interface ExecutionMode {
  /**
   * A retry of a call whose decision is on record: it goes to the recorded executor only (which ran it, or never
   * took it), never to another instance, and no answer from that one means the call may have run.
   */
  isRecovery: boolean;
  /** The outcome record is already in the trail (a recovery): not written again. */
  isOutcomeRecorded?: boolean;
  /**
   * Given when the execute goes out while the decision record is still being appended: whether it landed. The
   * decision is then signed as not yet recorded, so the gateway holds the call until the writer says the record is
   * on disk (`audit.evt.decision-durable.v1`); the outcome record is written only after a durable decision.
   */
  decisionDurable?: Promise<boolean>;
}

/** Failures of an execute after which nobody can say whether the call ran. */
const outcomeUnknownCodes = new Set<string>([
  ErrorCode.ResponderLost,
  ErrorCode.UpstreamTimeout,
  ErrorCode.Unavailable,
]);

/**
 * The last steps of an allowed call whose decision is on record: the signed decision goes to the gateway instance
 * that prepared the call, then the outcome record is appended just after the reply goes back. When the gateway goes
 * silent mid-call (it died) or the deadline passes, the call may have run: the reply says exactly that (`unknown`).
 */
export async function executeCall(
  deps: CallLifecycleDependencies,
  call: Call,
  prepared: PreparedCall,
  verdict: Verdict,
  escalation: Reply['escalation'],
  mode: ExecutionMode = { isRecovery: false },
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
  const record = (
    outcome: { status: 'success' | 'error'; error?: string },
    sandboxed?: boolean,
    hasRun = false,
  ): void => {
    if (mode.isOutcomeRecorded === true) return;
    const durationMs = elapsedMs();
    const write = () => auditOutcome(deps, call, verdict, outcome, durationMs, sandboxed);
    // No outcome without its decision in the trail: an outcome waits for the decision's append to have landed. A
    // call the gateway ran proves it did (it runs nothing before the writer says so), whatever the append's reply.
    if (mode.decisionDurable === undefined || hasRun) write();
    else void mode.decisionDurable.then((isDurable) => isDurable && write());
  };
  try {
    result = mode.isRecovery
      ? await sendExecute(deps, call, prepared, verdict, true)
      : await executeOnPreparer(deps, call, prepared, verdict, mode.decisionDurable).catch((error: unknown) =>
          askAgain(deps, call, prepared, verdict, mode.decisionDurable, error),
        );
  } catch (error) {
    const code = errorCodeOf(error) ?? 'error';
    const failure = `${code}: ${(error as Error).message}`;
    const mayHaveRun = outcomeUnknownCodes.has(code) || (mode.isRecovery && code === ErrorCode.NoResponders);
    if (mayHaveRun) {
      record({ status: 'error', error: `outcome unknown: ${failure}` });
      return outcomeUnknownReply(base, failure);
    }
    record({ status: 'error', error: failure });
    if (code === ErrorCode.NoResponders) {
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
  record(outcome, result.sandboxed, true);
  const { isRepeat: _isRepeat, ...executed } = result;
  return {
    ...base,
    outcome: 'executed',
    message: result.isError ? 'tool reported an error' : 'ok',
    ...executed,
  };
}

/**
 * The gateway went silent or the connection dropped mid-execute: the execute may never have reached it (lost on a
 * bus that was failing over), or it may be running. Asked once more — the same call id, freshly signed, to the same
 * process, which runs a call id at most once — it answers with its run's result, or runs the call now if it never
 * had it. Gone (no responders: it restarted) or silent again, the first failure stands: nobody can say.
 */
async function askAgain(
  deps: CallLifecycleDependencies,
  call: Call,
  prepared: PreparedCall,
  verdict: Verdict,
  decisionDurable: Promise<boolean> | undefined,
  failure: unknown,
): Promise<ParsedResponseOf<typeof McpgwExecute>> {
  const code = errorCodeOf(failure);
  if (code !== ErrorCode.ResponderLost && code !== ErrorCode.Unavailable) throw failure;
  if (decisionDurable !== undefined && !(await decisionDurable)) throw failure;
  try {
    return await sendExecute(deps, call, prepared, verdict, true);
  } catch {
    throw failure;
  }
}

/** The reply when the call may have run and nobody can say: the agent is told to look before it repeats the call. */
export function outcomeUnknownReply(base: Omit<Reply, 'outcome' | 'message'>, why: string): Reply {
  return {
    ...base,
    outcome: 'unknown',
    message:
      `UNKNOWN: the call was allowed and sent to run, but the part running it failed before saying how it went ` +
      `(${why}). The call may have run: check its effect before repeating it.`,
    isError: true,
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
  decisionDurable: Promise<boolean> | undefined,
): Promise<ParsedResponseOf<typeof McpgwExecute>> {
  try {
    return await sendExecute(deps, call, prepared, verdict, decisionDurable === undefined);
  } catch (error) {
    if (errorCodeOf(error) !== ErrorCode.NoResponders) throw error;
  }
  // Another instance can only be told the decision is recorded once it is: the record names the one that is gone.
  if (decisionDurable !== undefined && !(await decisionDurable)) {
    throw new AppError(
      ErrorCode.NoResponders,
      'the gateway instance is gone and the decision was not recorded',
    );
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
  return sendExecute(deps, call, { ...prepared, executor: again.executor }, verdict, true);
}

export function sendExecute(
  deps: CallLifecycleDependencies,
  call: Call,
  prepared: PreparedCall,
  verdict: Verdict,
  isRecorded: boolean,
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
    isRecorded,
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
