import { ErrorCode } from '@ironcurtain/errors';
import { executeCall } from './call-execution.js';
import type { CallLifecycleDependencies } from './call-lifecycle.js';
import type { Call, PreparedCall, Reply, Verdict } from './call-verdict.js';

/**
 * Steps 5 and 7 of an allowed call together: `record` appends the decision (a denied reply when it cannot be written,
 * with the failure's code in `appendFailure`), and the execute goes out at the same time.
 */
export async function runAllowedCall(
  deps: CallLifecycleDependencies,
  call: Call,
  prepared: PreparedCall,
  verdict: Verdict,
  escalation: Reply['escalation'],
  record: (appendFailure: { code?: string }) => Promise<Reply | undefined>,
): Promise<Reply> {
  // Allowed: the execute goes out while the decision is appended, so the fsync and the way to the gateway overlap.
  // Audit before effect still holds: the decision is signed as not yet recorded, and the gateway runs nothing until
  // the writer says this decision is on disk. A failed append answers deny; the held call is then refused there.
  const appendFailure: { code?: string } = {};
  const recording = record(appendFailure);
  const decisionDurable = recording.then(
    (failure) => failure === undefined,
    () => false,
  );
  const executing = executeCall(deps, call, prepared, verdict, escalation, {
    isRecovery: false,
    decisionDurable,
  });
  const failure = await recording;
  if (failure === undefined) return executing;
  if (appendFailure.code === ErrorCode.NoResponders) {
    // No writer received the append: the decision is not on disk and never will be, so the gateway cannot run it.
    void executing.catch(() => undefined);
    return failure;
  }
  // A timeout or a lost connection: the append may still land, and the gateway would then run the call. Its answer
  // says which — the call's result, or the refusal once its wait for the record runs out — so the reply is true.
  const outcome = await executing;
  return outcome.outcome === 'executed' ? outcome : failure;
}
