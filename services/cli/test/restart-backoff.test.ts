import { describe, expect, it } from 'vitest';
import { defaultBackoffPolicy, nextRestartDelay } from '../src/domain/stack/restart-backoff.js';

describe('nextRestartDelay', () => {
  it('starts at 500 ms and doubles up to 15 s while the process keeps dying young', () => {
    const delays: number[] = [];
    let previous: number | undefined;
    for (let attempt = 0; attempt < 8; attempt++) {
      previous = nextRestartDelay(previous, 1000);
      delays.push(previous);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
  });

  it('starts over once the process stayed up for 30 s', () => {
    expect(nextRestartDelay(15_000, defaultBackoffPolicy.resetAfterUptimeMs - 1)).toBe(15_000);
    expect(nextRestartDelay(15_000, defaultBackoffPolicy.resetAfterUptimeMs)).toBe(500);
  });
});
