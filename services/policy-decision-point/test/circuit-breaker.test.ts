import { describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../src/domain/circuit-breaker.js';

const call = { sessionId: 's1', serverName: 'filesystem', toolName: 'read_file', argsHash: 'a'.repeat(64) };

describe('circuit breaker', () => {
  it('allows 20 identical calls in 60 s and trips on the 21st', () => {
    let now = 0;
    const breaker = createCircuitBreaker({ now: () => now });
    for (let index = 1; index <= 20; index += 1) {
      now += 1000;
      expect(breaker.record(call)).toEqual({ isTripped: false, count: index });
    }
    now += 1000;
    expect(breaker.record(call)).toEqual({ isTripped: true, count: 21 });
  });

  it('counts only identical calls in the same session', () => {
    let now = 0;
    const breaker = createCircuitBreaker({ now: () => now });
    for (let index = 0; index < 20; index += 1) breaker.record(call);
    expect(breaker.record({ ...call, argsHash: 'b'.repeat(64) }).isTripped).toBe(false);
    expect(breaker.record({ ...call, sessionId: 's2' }).isTripped).toBe(false);
    expect(breaker.record({ ...call, toolName: 'write_file' }).isTripped).toBe(false);
    now += 1;
    expect(breaker.record(call).isTripped).toBe(true);
  });

  it('forgets calls older than the window', () => {
    let now = 0;
    const breaker = createCircuitBreaker({ now: () => now });
    for (let index = 0; index < 20; index += 1) breaker.record(call);
    now = 60_001;
    expect(breaker.record(call)).toEqual({ isTripped: false, count: 1 });
  });

  it('keeps no more than the limit + 1 times of a call, however often it comes, and still trips and recovers', () => {
    let now = 0;
    const breaker = createCircuitBreaker({ now: () => now, maxIdenticalCalls: 3, windowMs: 1000 });
    for (let index = 1; index <= 3; index += 1) expect(breaker.record(call).isTripped).toBe(false);
    for (let index = 0; index < 10_000; index += 1) {
      now += 0.01;
      expect(breaker.record(call)).toEqual({ isTripped: true, count: 4 });
    }
    // The newest four calls are what the window holds: once they are older than it, the call passes again.
    now += 1000;
    expect(breaker.record(call)).toEqual({ isTripped: false, count: 1 });
  });
});
