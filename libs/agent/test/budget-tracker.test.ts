// The budget tracker on its own: limits, the one usage source, warnings once, time by an injected clock, prices.
import { describe, expect, it } from 'vitest';
import {
  createBudgetTracker,
  formatBudgetSnapshot,
  lookupModelPrice,
  type BudgetEvent,
} from '@ironcurtain/agent';

function clock(start = 1_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const minutes = 60_000;

describe('createBudgetTracker', () => {
  it('has the documented session defaults and unlimited turns', () => {
    const snapshot = createBudgetTracker().snapshot();
    expect(snapshot.session).toEqual({
      tokens: { used: 0, limit: 1_000_000 },
      steps: { used: 0, limit: 200 },
      time: { used: 0, limit: 30 * minutes },
      cost: { used: 0, limit: 5 },
    });
    expect(Object.values(snapshot.turn).map((status) => status.limit)).toEqual([null, null, null, null]);
    expect(snapshot.usageSource).toBe('agent');
  });

  it('null makes a dimension unlimited; a non-positive limit is a configuration error', () => {
    const tracker = createBudgetTracker({ session: { tokens: null } });
    tracker.recordAgentUsage({ inputTokens: 5_000_000, outputTokens: 0, model: 'ollama:llama3.1' });
    expect(tracker.exhaustion()).toBeUndefined();
    expect(() => createBudgetTracker({ session: { steps: 0 } })).toThrow(
      /session\.steps must be a positive number/,
    );
    expect(() => createBudgetTracker({ turn: { costUsd: -1 } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('counts usage from the chosen source only, so nothing is counted twice', () => {
    const usage = { inputTokens: 100, outputTokens: 50, model: 'anthropic:claude-sonnet-4-5' };
    const agent = createBudgetTracker();
    expect(agent.recordAgentUsage(usage)).toBe(true);
    expect(agent.recordUsage(usage)).toBe(false);
    expect(agent.snapshot().session.tokens.used).toBe(150);

    const external = createBudgetTracker({ usageSource: 'external' });
    expect(external.recordAgentUsage(usage)).toBe(false);
    expect(external.recordUsage({ ...usage, cacheReadTokens: 10, cacheWriteTokens: 5 })).toBe(true);
    expect(external.snapshot().session.tokens.used).toBe(165);
  });

  it('warns once at 80% and reports the exhaustion once, per dimension', () => {
    const events: BudgetEvent[] = [];
    const tracker = createBudgetTracker({
      session: { tokens: 1000 },
      onEvent: (event) => events.push(event),
    });
    const record = (tokens: number) =>
      tracker.recordAgentUsage({ inputTokens: tokens, outputTokens: 0, model: 'ollama:qwen' });
    record(700);
    expect(events).toEqual([]);
    record(100);
    record(50);
    expect(events).toEqual([
      { type: 'budget-warning', scope: 'session', dimension: 'tokens', used: 800, limit: 1000 },
    ]);
    record(200);
    record(10);
    expect(events.map((event) => event.type)).toEqual(['budget-warning', 'budget-exhausted']);
    expect(tracker.exhaustion()).toMatchObject({
      scope: 'session',
      dimension: 'tokens',
      used: 1060,
      limit: 1000,
    });
    expect(tracker.exhaustion()?.message).toMatch(
      /session tokens budget is exhausted: 1,060 tokens used of 1,000/,
    );
  });

  it('measures wall time inside turns with the injected clock, not the idle time between them', () => {
    const time = clock();
    const events: BudgetEvent[] = [];
    const tracker = createBudgetTracker({ now: time.now, onEvent: (event) => events.push(event) });
    tracker.beginTurn();
    time.advance(20 * minutes);
    expect(tracker.remainingTimeMs()).toBe(10 * minutes);
    tracker.endTurn();
    time.advance(24 * 60 * minutes); // a day waiting for the user
    expect(tracker.snapshot().session.time.used).toBe(20 * minutes);
    tracker.beginTurn();
    time.advance(5 * minutes);
    expect(tracker.exhaustion()).toBeUndefined();
    expect(events).toMatchObject([{ type: 'budget-warning', dimension: 'time', used: 25 * minutes }]);
    time.advance(5 * minutes);
    expect(tracker.exhaustion()).toMatchObject({ dimension: 'time', used: 30 * minutes });
    expect(tracker.snapshot().turn.time).toEqual({ used: 10 * minutes, limit: null });
  });

  it('per-turn limits and their warnings start afresh each turn', () => {
    const events: BudgetEvent[] = [];
    const tracker = createBudgetTracker({ turn: { steps: 5 }, onEvent: (event) => events.push(event) });
    for (const _turn of [1, 2]) {
      tracker.beginTurn();
      for (let step = 0; step < 5; step += 1) tracker.recordStep();
      expect(tracker.exhaustion()).toMatchObject({ scope: 'turn', dimension: 'steps', used: 5, limit: 5 });
      tracker.endTurn();
    }
    expect(events.map((event) => `${event.scope}:${event.type}`)).toEqual([
      'turn:budget-warning',
      'turn:budget-exhausted',
      'turn:budget-warning',
      'turn:budget-exhausted',
    ]);
    expect(tracker.snapshot().session.steps.used).toBe(10);
  });

  it('prices known models, counts unknown ones conservatively with a note, and local models as free', () => {
    const tracker = createBudgetTracker();
    tracker.recordAgentUsage({
      inputTokens: 1_000_000,
      outputTokens: 100_000,
      model: 'anthropic:claude-sonnet-4-5',
    });
    expect(tracker.snapshot().session.cost.used).toBeCloseTo(3 + 1.5);
    tracker.recordAgentUsage({ inputTokens: 1_000_000, outputTokens: 0, model: 'ollama:llama3.1:8b' });
    expect(tracker.snapshot().session.cost.used).toBeCloseTo(4.5);
    expect(tracker.snapshot().notes).toEqual([]);
    tracker.recordAgentUsage({ inputTokens: 10_000, outputTokens: 0, model: 'openai-compatible:mystery-7b' });
    expect(tracker.snapshot().session.cost.used).toBeCloseTo(4.5 + 0.15);
    expect(tracker.snapshot().notes).toEqual([
      expect.stringMatching(/^cost not enforceable: no price known for openai-compatible:mystery-7b; /),
    ]);
    expect(tracker.snapshot().isCostEnforceable).toBe(false);
  });

  it('caller prices win over the table, and a snapshot restores a resumed session', () => {
    const tracker = createBudgetTracker({
      prices: { 'mystery-7b': { inputPerMillionUsd: 1, outputPerMillionUsd: 2 } },
    });
    tracker.beginTurn();
    tracker.recordStep();
    tracker.recordAgentUsage({
      inputTokens: 1_000_000,
      outputTokens: 1_000_000,
      model: 'openai-compatible:mystery-7b',
    });
    tracker.endTurn();
    const usage = tracker.snapshot().usage;
    expect(usage).toMatchObject({ tokens: 2_000_000, steps: 1, costUsd: 3 });
    const resumed = createBudgetTracker({ initialUsage: usage });
    expect(resumed.snapshot().session.tokens.used).toBe(2_000_000);
    expect(resumed.exhaustion()).toMatchObject({ dimension: 'tokens' });
  });
});

describe('lookupModelPrice', () => {
  it('matches the longest prefix and strips a provider prefix', () => {
    expect(lookupModelPrice('claude-opus-4-5-20251101').price.inputPerMillionUsd).toBe(5);
    expect(lookupModelPrice('anthropic:claude-opus-4-1').price.inputPerMillionUsd).toBe(15);
    expect(lookupModelPrice('gpt-4.1-mini-2025-04-14').price).toEqual({
      inputPerMillionUsd: 0.4,
      outputPerMillionUsd: 1.6,
    });
    expect(lookupModelPrice('google:gemini-2.5-flash').price.outputPerMillionUsd).toBe(2.5);
    expect(lookupModelPrice('llama3.1', { provider: 'ollama' })).toMatchObject({
      isKnown: true,
      price: { inputPerMillionUsd: 0 },
    });
    expect(lookupModelPrice('something-new')).toMatchObject({
      isKnown: false,
      price: { inputPerMillionUsd: 15 },
    });
  });
});

describe('formatBudgetSnapshot', () => {
  it('shows used, limit and percentage per dimension, the turn where limited, and the notes', () => {
    let now = 0;
    const tracker = createBudgetTracker({ session: { costUsd: null }, turn: { steps: 10 }, now: () => now });
    tracker.beginTurn();
    tracker.recordStep();
    tracker.recordAgentUsage({ inputTokens: 12_000, outputTokens: 345, model: 'mystery-model' });
    now += 90_000;
    expect(formatBudgetSnapshot(tracker.snapshot()).split('\n')).toEqual([
      'tokens 12,345 tokens of 1,000,000 tokens (1%)',
      'steps  1 steps of 200 steps (0%); this turn 1 steps of 10 steps (10%)',
      'time   1.5 min of 30.0 min (5%)',
      'cost   $0.21 (unlimited)',
      expect.stringMatching(
        /^note: cost is an estimate: no price known for mystery-model; counted at the fallback/,
      ),
    ]);
  });
});
