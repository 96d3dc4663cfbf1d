/** Latency samples summed up for a benchmark's JSON: count, p50, p99 and mean in milliseconds (3 decimals). */
export interface LatencySummary {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
}

/** Summarizes samples in milliseconds; a quantile is the sample at `floor(q × n)` of the sorted list. */
export function summarizeLatencies(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((left, right) => left - right);
  const at = (quantile: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return {
    samples: sorted.length,
    p50Ms: roundMilliseconds(at(0.5)),
    p99Ms: roundMilliseconds(at(0.99)),
    meanMs: roundMilliseconds(mean),
  };
}

/** Rounds to microseconds (3 decimals of a millisecond), as benchmark reports print them. */
export function roundMilliseconds(value: number): number {
  return Math.round(value * 1000) / 1000;
}
