import { AppError } from '@ironcurtain/errors';
import type { AuditDecisionDurableEvent, PayloadOf } from '@ironcurtain/proto-schemas';
import { GatewayErrorCode } from '../gateway-errors.js';

type DurableDecision = PayloadOf<typeof AuditDecisionDurableEvent>;

/** The call whose decision must be on disk before it runs. */
export interface DurableCall {
  sessionId: string;
  callId: string;
  argsHash: string;
}

/**
 * What the audit-writer says is on disk (`audit.evt.decision-durable.v1`, which only it may publish): an allowed call
 * runs here only once the record of its decision — this call id and session, `allow`, the hash of these very
 * arguments, addressed to this process — is durable. The PDP may send the execute while that record is still being
 * written; the effect never precedes it. A record that never comes (the append failed, the writer is down) refuses
 * the call after `waitMs`.
 */
export interface DurableDecisions {
  /** Takes one event from the writer. */
  take(event: DurableDecision): void;
  /** Resolves once the call's decision is durable; throws DECISION_NOT_DURABLE after `waitMs`, or at once on a mismatch. */
  awaitDurable(call: DurableCall): Promise<void>;
}

interface Waiter {
  call: DurableCall;
  settle(error?: AppError): void;
}

export function createDurableDecisions(options: {
  instanceId: string;
  waitMs: number;
  /** Events kept for an execute that arrives after its event (the writer was faster than the PDP's execute). */
  keepMs: number;
  maxKept: number;
  now(): number;
}): DurableDecisions {
  const seen = new Map<string, { event: DurableDecision; at: number }>();
  const waiters = new Map<string, Waiter[]>();
  const keyOf = (sessionId: string, callId: string) => `${sessionId}\u0000${callId}`;

  const forgetOld = (): void => {
    const cutoff = options.now() - options.keepMs;
    for (const [key, entry] of seen) {
      if (entry.at >= cutoff && seen.size <= options.maxKept) break;
      seen.delete(key);
    }
  };

  const verdictOf = (call: DurableCall, event: DurableDecision): AppError | undefined => {
    const problem =
      event.status !== 'allow'
        ? `the durable decision is "${event.status}"`
        : event.argsHash !== call.argsHash
          ? 'the durable decision is for other arguments'
          : undefined;
    return problem === undefined ? undefined : notDurable(call, problem);
  };

  return {
    take(event) {
      // Every replica hears every decision; only those addressed here matter here.
      if (event.executor !== options.instanceId) return;
      const key = keyOf(event.sessionId, event.requestId);
      const waiting = waiters.get(key);
      if (waiting !== undefined) {
        waiters.delete(key);
        for (const waiter of waiting) waiter.settle(verdictOf(waiter.call, event));
        return;
      }
      forgetOld();
      seen.set(key, { event, at: options.now() });
    },
    awaitDurable(call) {
      const key = keyOf(call.sessionId, call.callId);
      const known = seen.get(key);
      if (known !== undefined) {
        const error = verdictOf(call, known.event);
        return error === undefined ? Promise.resolve() : Promise.reject(error);
      }
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const list = waiters.get(key)?.filter((waiter) => waiter !== entry) ?? [];
          if (list.length === 0) waiters.delete(key);
          else waiters.set(key, list);
          reject(notDurable(call, `its decision was not on disk within ${options.waitMs} ms`));
        }, options.waitMs);
        const entry: Waiter = {
          call,
          settle(error) {
            clearTimeout(timer);
            if (error === undefined) resolve();
            else reject(error);
          },
        };
        waiters.set(key, [...(waiters.get(key) ?? []), entry]);
      });
    },
  };
}

function notDurable(call: DurableCall, why: string): AppError {
  return new AppError(
    GatewayErrorCode.DecisionNotDurable,
    `call ${call.callId} not run: ${why} (nothing runs before its decision is in the audit trail)`,
  );
}
