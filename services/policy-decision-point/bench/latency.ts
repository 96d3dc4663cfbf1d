// Per-decision latency of several deciders over the same corpus, measured in interleaved rounds (the order flips every
// round) so that drift in machine load — these machines are shared — hits every decider alike.
import { performance } from 'node:perf_hooks';

export interface Decider {
  name: string;
  /** Decides corpus call `index`; the result is returned so the work cannot be optimized away. */
  decide(index: number): unknown;
}

export interface LatencyOptions {
  rounds: number;
  /** Passes over the corpus per decider per round. */
  passes: number;
  /** Passes per decider before measuring, so the JIT has compiled the hot paths. */
  warmupPasses: Record<string, number>;
}

/** Samples in µs, per decider, per corpus call. */
export type LatencySamples = Map<string, number[][]>;

export function measureInterleaved(
  deciders: readonly Decider[],
  corpusSize: number,
  options: LatencyOptions,
): LatencySamples {
  let sink = 0;
  const keep = (result: unknown) => (sink += result === undefined ? 0 : 1);
  for (const decider of deciders) {
    for (let pass = 0; pass < (options.warmupPasses[decider.name] ?? 1); pass += 1) {
      for (let index = 0; index < corpusSize; index += 1) keep(decider.decide(index));
    }
  }
  const samples: LatencySamples = new Map(
    deciders.map((decider) => [decider.name, Array.from({ length: corpusSize }, () => [] as number[])]),
  );
  for (let round = 0; round < options.rounds; round += 1) {
    const order = round % 2 === 0 ? deciders : [...deciders].reverse();
    for (const decider of order) {
      const perCall = samples.get(decider.name) as number[][];
      for (let pass = 0; pass < options.passes; pass += 1) {
        for (let index = 0; index < corpusSize; index += 1) {
          const started = performance.now();
          keep(decider.decide(index));
          (perCall[index] as number[]).push((performance.now() - started) * 1000);
        }
      }
    }
  }
  if (sink < 0) console.error(sink);
  return samples;
}

export interface Summary {
  samples: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

/** p50 / p99 / mean over every sample of every call: the latency of the mixed workload. */
export function summarize(perCall: readonly number[][]): Summary {
  const sorted = perCall.flat().sort((left, right) => left - right);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return {
    samples: sorted.length,
    p50Us: round2(quantile(sorted, 0.5)),
    p99Us: round2(quantile(sorted, 0.99)),
    meanUs: round2(mean),
  };
}

/** The median of one call's samples. */
export function medianOf(samples: readonly number[]): number {
  return round2(
    quantile(
      [...samples].sort((left, right) => left - right),
      0.5,
    ),
  );
}

function quantile(sorted: readonly number[], at: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(at * sorted.length))] ?? 0;
}

export const round2 = (value: number): number => Math.round(value * 100) / 100;
