import { AppError, ErrorCode } from '@ironcurtain/errors';

/** Reconnect delays: the first is `minimumMs`, each failed attempt doubles it up to `maximumMs`. */
export interface BackoffLimits {
  readonly minimumMs: number;
  readonly maximumMs: number;
}

export const defaultBackoffLimits: BackoffLimits = { minimumMs: 500, maximumMs: 30_000 };

/** The limits from the receive options; `CONFIG_INVALID` unless 0 < min ≤ max. */
export function resolveBackoffLimits(options: {
  minBackoffMs?: number;
  maxBackoffMs?: number;
}): BackoffLimits {
  const minimumMs = options.minBackoffMs ?? defaultBackoffLimits.minimumMs;
  const maximumMs = options.maxBackoffMs ?? Math.max(defaultBackoffLimits.maximumMs, minimumMs);
  if (!Number.isFinite(minimumMs) || !Number.isFinite(maximumMs) || minimumMs <= 0 || maximumMs < minimumMs) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      'receive needs 0 < minBackoffMs <= maxBackoffMs (milliseconds between reconnect attempts)',
    );
  }
  return { minimumMs, maximumMs };
}

/**
 * The delay before reconnect attempt number `attempt` (0 for the first after a drop): the exponential step, then
 * "equal jitter" (between half of it and all of it) so that many clients dropped together do not reconnect in step,
 * kept within [min, max]. `random` is a number in [0, 1).
 */
export function reconnectDelayMs(
  limits: BackoffLimits,
  attempt: number,
  random: number = Math.random(),
): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  const step = Math.min(limits.maximumMs, limits.minimumMs * 2 ** exponent);
  const jittered = step / 2 + (step / 2) * random;
  return Math.min(limits.maximumMs, Math.max(limits.minimumMs, jittered));
}
