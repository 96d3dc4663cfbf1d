import type { BudgetScope, BudgetTracker } from '@ironcurtain/agent';
import type { ContainerRunResult } from '../../adapters/agent-containers.js';

/** Why a running container was stopped by us: the user (or the service) stopped the session, or a budget ran out. */
export type GuardStop = { kind: 'stopped' } | { kind: 'budget'; scope: BudgetScope; message: string };

/** Aborts a container turn when the session is stopped or its budget (tokens, cost, time) is exhausted. */
export interface TurnGuard {
  /** Starts a turn: the signal aborts on stop or exhaustion; the time limit starts counting. */
  begin(): AbortSignal;
  end(): void;
  /** Checks the budget now (after usage was counted). */
  check(): void;
  /** Stops the running turn, and every later one. */
  stop(): void;
  /** Why the last turn was aborted, if it was. */
  stopReason(): GuardStop | undefined;
}

/** A guard over `budget`; the desk counts one step per model request the egress reports. */
export function createTurnGuard(budget: BudgetTracker): TurnGuard {
  let controller: AbortController | undefined;
  let reason: GuardStop | undefined;
  let timer: NodeJS.Timeout | undefined;
  let isStopped = false;

  const abort = (why: GuardStop) => {
    if (controller === undefined || controller.signal.aborted) return;
    reason = why;
    controller.abort();
  };
  const check = () => {
    const exhaustion = budget.exhaustion();
    if (exhaustion === undefined) return;
    abort({ kind: 'budget', scope: exhaustion.scope, message: exhaustion.message });
  };

  return {
    begin() {
      controller = new AbortController();
      reason = undefined;
      budget.beginTurn();
      if (isStopped) abort({ kind: 'stopped' });
      check();
      const remaining = budget.remainingTimeMs();
      if (remaining !== null) timer = setTimeout(check, Math.max(0, remaining) + 5);
      return controller.signal;
    },
    end() {
      clearTimeout(timer);
      timer = undefined;
      budget.endTurn();
    },
    check,
    stop() {
      isStopped = true;
      abort({ kind: 'stopped' });
    },
    stopReason: () => reason,
  };
}

/** What the user is told when a container ended other than by exiting. */
export function containerEndingReason(
  result: ContainerRunResult,
  agentName: string,
  memoryLimitMb: number,
): string {
  switch (result.ending) {
    case 'out-of-memory':
      return `the ${agentName} container ran out of memory (limit ${memoryLimitMb} MB) and was killed`;
    case 'vanished':
      return `the ${agentName} container was removed while it ran`;
    case 'killed':
      return `the ${agentName} container was killed (exit code ${result.exitCode})`;
    default:
      return `the ${agentName} container ended (exit code ${result.exitCode})`;
  }
}
