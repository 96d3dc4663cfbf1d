import { createHash } from 'node:crypto';

/** Options for {@link createCircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** More than this many identical calls in the window trip the breaker (default 20). */
  maxIdenticalCalls?: number;
  windowMs?: number;
  now?: () => number;
}

/** What the breaker says about one call. */
export interface BreakerVerdict {
  isTripped: boolean;
  /** Identical calls in the window, this one included, counted up to the limit + 1. */
  count: number;
}

/**
 * Counts identical (session, server, tool, canonical arguments) calls in a sliding window. The 21st identical call
 * within 60 s is refused: an agent stuck in a loop, or one hammering a tool, is stopped whatever the policy says.
 * Memory is bounded by the calls of one window; stale keys are swept as calls arrive.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}) {
  const limit = options.maxIdenticalCalls ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const seen = new Map<string, number[]>();
  let lastSweep = 0;

  const sweep = (current: number): void => {
    if (current - lastSweep < windowMs) return;
    lastSweep = current;
    for (const [key, times] of seen) {
      if ((times.at(-1) ?? 0) <= current - windowMs) seen.delete(key);
    }
  };

  return {
    record(call: {
      sessionId: string;
      serverName: string;
      toolName: string;
      argsHash: string;
    }): BreakerVerdict {
      const current = now();
      sweep(current);
      const key = createHash('sha256')
        .update(JSON.stringify([call.sessionId, call.serverName, call.toolName, call.argsHash]))
        .digest('hex');
      let times = seen.get(key);
      if (times === undefined) seen.set(key, (times = []));
      // Only the newest limit + 1 times matter: the call is refused once there are more than `limit` in the window.
      // Keeping no more bounds the work of each call, however hard an agent hammers the same one.
      let stale = 0;
      while (stale < times.length && (times[stale] ?? 0) <= current - windowMs) stale += 1;
      if (times.length - stale >= limit + 1) stale = times.length - limit;
      if (stale > 0) times.splice(0, stale);
      times.push(current);
      return { isTripped: times.length > limit, count: times.length };
    },
  };
}
