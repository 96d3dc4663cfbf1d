// An unknown model's cost budget is reported as not enforceable from the start (not silently zero), while tokens,
// steps and time still apply; local models are free and enforceable.
import { describe, expect, it } from 'vitest';
import { costNotEnforceableReason, createBudgetTracker, formatBudgetSnapshot } from '@ironcurtain/agent';

describe('a cost budget for a model without a price', () => {
  it('is reported as not enforceable at once, before any usage, naming the model', () => {
    const tracker = createBudgetTracker({
      modelId: 'openai-compatible:mystery-70b',
      session: { costUsd: 5 },
    });
    const snapshot = tracker.snapshot();
    expect(snapshot.isCostEnforceable).toBe(false);
    expect(snapshot.notes).toEqual([
      expect.stringMatching(/^cost not enforceable: no price known for openai-compatible:mystery-70b; /),
    ]);
    expect(snapshot.session.cost).toEqual({ used: 0, limit: 5 });
    const report = formatBudgetSnapshot(snapshot).split('\n');
    expect(report).toContain('cost   $0.00 of $5.00 (0%), not enforceable (see the note)');
    expect(report.at(-1)).toMatch(
      /^note: cost not enforceable: no price known for openai-compatible:mystery-70b/,
    );
  });

  it('still counts its spend at the fallback price, noted once, and stops at the cost limit', () => {
    const tracker = createBudgetTracker({
      modelId: 'openai-compatible:mystery-70b',
      usageSource: 'external',
      session: { costUsd: 1 },
    });
    // The usage event names the model without its provider prefix: the same model, not a second note.
    tracker.recordUsage({
      inputTokens: 20_000,
      outputTokens: 20_000,
      model: 'mystery-70b',
      provider: 'openai-compatible',
    });
    expect(tracker.snapshot().session.cost.used).toBeCloseTo((20_000 * 15 + 20_000 * 75) / 1_000_000);
    expect(tracker.snapshot().notes).toHaveLength(1);
    expect(tracker.exhaustion()).toMatchObject({ dimension: 'cost', scope: 'session' });
  });

  it('keeps tokens, steps and time limits in force', () => {
    let now = 0;
    const tracker = createBudgetTracker({
      modelId: 'google:gemini-9-ultra',
      session: { tokens: 100, steps: 2, timeMs: 1000, costUsd: 5 },
      now: () => now,
    });
    expect(tracker.snapshot().isCostEnforceable).toBe(false);
    tracker.beginTurn();
    tracker.recordStep();
    tracker.recordStep();
    expect(tracker.exhaustion()).toMatchObject({ dimension: 'steps' });
    now = 2000;
    expect(tracker.snapshot().session.time.used).toBe(2000);
  });

  it('without a cost limit there is nothing to enforce: only a note that the cost is an estimate', () => {
    const tracker = createBudgetTracker({
      modelId: 'openai-compatible:mystery-70b',
      session: { costUsd: null },
    });
    expect(tracker.snapshot().isCostEnforceable).toBe(true);
    expect(tracker.snapshot().notes).toEqual([
      expect.stringMatching(/^cost is an estimate: no price known for openai-compatible:mystery-70b/),
    ]);
  });

  it('a caller price makes it enforceable', () => {
    const tracker = createBudgetTracker({
      modelId: 'openai-compatible:mystery-70b',
      prices: { 'mystery-70b': { inputPerMillionUsd: 1, outputPerMillionUsd: 2 } },
    });
    expect(tracker.snapshot()).toMatchObject({ isCostEnforceable: true, notes: [] });
  });
});

describe('models with a price', () => {
  it.each([
    'anthropic:claude-sonnet-4-6',
    'openai:gpt-4.1',
    'google:gemini-2.5-flash',
    'google:gemini-2.5-pro',
    'google:gemini-2.5-flash-lite',
    'google:gemini-3-pro-preview',
    'ollama:llama3.2',
    'ollama:qwen2.5-coder:32b',
  ])('%s: the cost budget is enforceable', (modelId) => {
    expect(costNotEnforceableReason(modelId)).toBeUndefined();
    const tracker = createBudgetTracker({ modelId });
    expect(tracker.snapshot()).toMatchObject({ isCostEnforceable: true, notes: [] });
  });

  it('ollama runs locally: its tokens count, its cost stays 0', () => {
    const tracker = createBudgetTracker({ modelId: 'ollama:llama3.2', usageSource: 'external' });
    tracker.recordUsage({
      inputTokens: 500_000,
      outputTokens: 500_000,
      model: 'llama3.2',
      provider: 'ollama',
    });
    expect(tracker.snapshot().session.cost.used).toBe(0);
    expect(tracker.snapshot().session.tokens.used).toBe(1_000_000);
    expect(tracker.exhaustion()).toMatchObject({ dimension: 'tokens' });
  });
});
