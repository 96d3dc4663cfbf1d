// Budgets through the turn loop: each dimension stops a turn that would otherwise run forever, with the outcome
// naming the dimension, and the 80% warning fires once.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createBudgetTracker,
  runTurn,
  type BudgetEvent,
  type BudgetTrackerOptions,
} from '@ironcurtain/agent';
import { createCodeRunner, type ToolCall } from '@ironcurtain/code-mode';
import { createLanguageModel } from '@ironcurtain/llm';
import { startFakeAnthropic } from '@ironcurtain/testing';
import {
  catalog,
  createSandbox,
  runCode,
  startScriptedModel,
  type Sandbox,
  type ScriptedModel,
} from './agent-fixture.js';

let sandbox: Sandbox;
let scripted: ScriptedModel | undefined;
beforeEach(async () => {
  sandbox = await createSandbox({ 'a.txt': 'a' });
});
afterEach(async () => {
  await scripted?.server.close();
  scripted = undefined;
  await sandbox.dispose();
});

/** A model that never stops asking for code (each execution differs, so the loop detector stays quiet). */
function endlessCode() {
  return (_request: unknown, index: number) => runCode(`filesystem.list_directory({ path: '.' }) + ${index}`);
}

async function runEndlessTurn(budgetOptions: BudgetTrackerOptions, runner = sandbox.runner()) {
  scripted = await startScriptedModel('anthropic', endlessCode());
  const events: BudgetEvent[] = [];
  const budget = createBudgetTracker({ ...budgetOptions, onEvent: (event) => events.push(event) });
  const turn = await runTurn({
    model: scripted.model,
    modelId: scripted.modelId,
    runner,
    catalog,
    messages: [],
    userMessage: 'keep going',
    budget,
  });
  return { turn, events, budget };
}

describe('budget exhaustion stops the turn', () => {
  it('tokens', async () => {
    const { turn, events } = await runEndlessTurn({ session: { tokens: 2000 } });
    expect(turn.outcome).toBe('budget-exhausted');
    expect(turn.exhaustion).toMatchObject({ scope: 'session', dimension: 'tokens', limit: 2000 });
    expect(turn.message).toMatch(/session tokens budget is exhausted/);
    expect(turn.exhaustion?.used).toBeGreaterThanOrEqual(2000);
    expect(events.filter((event) => event.type === 'budget-warning')).toMatchObject([
      { dimension: 'tokens' },
    ]);
    expect(scripted?.requests.length).toBe(turn.steps);
  });

  it('steps', async () => {
    const { turn, events } = await runEndlessTurn({ session: { steps: 5 } });
    expect(turn).toMatchObject({
      outcome: 'budget-exhausted',
      steps: 5,
      exhaustion: { dimension: 'steps', used: 5 },
    });
    expect(scripted?.requests).toHaveLength(5);
    expect(events.map((event) => `${event.dimension}:${event.type}`)).toEqual([
      'steps:budget-warning',
      'steps:budget-exhausted',
    ]);
    expect(events[0]).toMatchObject({ used: 4, limit: 5 });
  });

  it('time, measured by an injected clock that each tool call moves by ten minutes', async () => {
    let now = 0;
    const slowTool = async (call: ToolCall) => {
      now += 10 * 60_000;
      return sandbox.callTool(call);
    };
    const runner = createCodeRunner({ tools: catalog, callTool: slowTool });
    const { turn, events } = await runEndlessTurn({ now: () => now }, runner);
    expect(turn).toMatchObject({ outcome: 'budget-exhausted', steps: 3, exhaustion: { dimension: 'time' } });
    expect(turn.message).toMatch(/session time budget is exhausted: 30\.0 min used of 30\.0 min/);
    expect(events.filter((event) => event.type === 'budget-warning')).toMatchObject([
      { dimension: 'time', used: 30 * 60_000 },
    ]);
  });

  it('cost, with the model priced by the caller', async () => {
    const { turn, events } = await runEndlessTurn({
      session: { costUsd: 1 },
      prices: { 'claude-sonnet-4-5': { inputPerMillionUsd: 1000, outputPerMillionUsd: 1000 } },
    });
    expect(turn).toMatchObject({ outcome: 'budget-exhausted', exhaustion: { dimension: 'cost', limit: 1 } });
    expect(turn.message).toMatch(/cost budget is exhausted: \$1\.\d\d used of \$1\.00/);
    expect(events.filter((event) => event.type === 'budget-warning')).toHaveLength(1);
    expect(turn.steps).toBeGreaterThan(1);
  });

  it('a per-turn limit stops the turn and the next turn starts afresh', async () => {
    scripted = await startScriptedModel('openai', endlessCode());
    const budget = createBudgetTracker({ turn: { steps: 2 } });
    const options = { model: scripted.model, runner: sandbox.runner(), catalog, budget };
    const first = await runTurn({ ...options, messages: [], userMessage: 'one' });
    expect(first).toMatchObject({ outcome: 'budget-exhausted', steps: 2, exhaustion: { scope: 'turn' } });
    const second = await runTurn({ ...options, messages: first.messages, userMessage: 'two' });
    expect(second).toMatchObject({ outcome: 'budget-exhausted', steps: 2, exhaustion: { scope: 'turn' } });
    expect(budget.snapshot().session.steps.used).toBe(4);
  });

  it('an exhausted session refuses a new turn without calling the model or adding the message', async () => {
    scripted = await startScriptedModel('anthropic', [{ text: 'never' }]);
    const budget = createBudgetTracker({ session: { steps: 1 } });
    budget.recordStep();
    const history = [{ role: 'user' as const, content: 'earlier' }];
    const turn = await runTurn({
      model: scripted.model,
      runner: sandbox.runner(),
      messages: history,
      userMessage: 'more',
      budget,
    });
    expect(turn).toMatchObject({ outcome: 'budget-exhausted', steps: 0, messages: history });
    expect(scripted.requests).toHaveLength(0);
  });

  it('with usage from outside (egress), the turn loop does not count tokens itself', async () => {
    scripted = await startScriptedModel('anthropic', [runCode('1'), { text: 'ok' }]);
    const budget = createBudgetTracker({ usageSource: 'external' });
    const turn = await runTurn({
      model: scripted.model,
      runner: sandbox.runner(),
      messages: [],
      userMessage: 'hi',
      budget,
    });
    expect(turn.outcome).toBe('completed');
    expect(budget.snapshot().session).toMatchObject({ tokens: { used: 0 }, steps: { used: 2 } });
    budget.recordUsage({
      inputTokens: 10,
      outputTokens: 5,
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
    });
    expect(budget.snapshot().session.tokens.used).toBe(15);
  });

  it('the time limit also cuts a model call that hangs', async () => {
    const hanging = await startFakeAnthropic({
      apiKey: 'sk-fake-test-key',
      respond: async () => {
        await sleep(10_000);
        return { text: 'too late' };
      },
    });
    const model = createLanguageModel({
      modelId: 'anthropic:claude-sonnet-4-5',
      apiKeys: { anthropic: 'sk-fake-test-key' },
      baseUrls: { anthropic: hanging.url },
    });
    const startedAt = performance.now();
    const turn = await runTurn({
      model,
      runner: sandbox.runner(),
      messages: [],
      userMessage: 'hi',
      budget: createBudgetTracker({ session: { timeMs: 300 } }),
    });
    expect(turn).toMatchObject({ outcome: 'budget-exhausted', exhaustion: { dimension: 'time' } });
    expect(performance.now() - startedAt).toBeLessThan(3000);
    expect(turn.messages).toEqual([{ role: 'user', content: 'hi' }]);
    await hanging.close();
  });
});
