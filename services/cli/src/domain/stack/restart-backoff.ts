/** How long to wait before restarting a process that exited on its own. */
export interface BackoffPolicy {
  initialDelayMs: number;
  maximumDelayMs: number;
  /** A process that ran at least this long before exiting starts again from `initialDelayMs`. */
  resetAfterUptimeMs: number;
}

/** 500 ms doubling to 15 s; a process that stayed up for 30 s is treated as healthy again. */
export const defaultBackoffPolicy: BackoffPolicy = {
  initialDelayMs: 500,
  maximumDelayMs: 15_000,
  resetAfterUptimeMs: 30_000,
};

/** The delay before the next restart, given the delay used last time (undefined if none) and how long it ran. */
export function nextRestartDelay(
  previousDelayMs: number | undefined,
  uptimeMs: number,
  policy: BackoffPolicy = defaultBackoffPolicy,
): number {
  if (previousDelayMs === undefined || uptimeMs >= policy.resetAfterUptimeMs) return policy.initialDelayMs;
  return Math.min(previousDelayMs * 2, policy.maximumDelayMs);
}
