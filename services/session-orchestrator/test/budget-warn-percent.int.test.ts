// ORCH_BUDGET_WARN_PERCENT (config.json `resourceBudget.warnThresholdPercent`) reaches the budget tracker: a session of
// the scripted model (4 steps per turn) under a 10-step limit is warned at 30% and not at the default 80%.
import { describe, expect, it } from 'vitest';
import { request, subscribe } from '@ironcurtain/bus';
import { SessionBudgetEvent, SessionStart, type PayloadOf } from '@ironcurtain/proto-schemas';
import { eventually } from '@ironcurtain/testing';
import { executed, startOrchestratorWorld } from './orchestrator-world.js';

async function stepWarningsOfOneTurn(env: Record<string, string>) {
  const world = await startOrchestratorWorld({ env, answerToolCall: (call) => executed(call) });
  try {
    const events: PayloadOf<typeof SessionBudgetEvent>[] = [];
    subscribe(world.client, SessionBudgetEvent, (event) => void events.push(event));
    await world.client.connection.flush();
    const { sessionId } = await request(world.client, SessionStart, { task: 'Go.', agent: 'builtin' });
    await eventually(`the end of the first turn of ${sessionId}`, () =>
      world.statuses.find((event) => event.sessionId === sessionId && event.turnOutcome !== undefined),
    );
    await world.client.connection.flush();
    return events.filter((event) => event.sessionId === sessionId && event.dimension === 'steps');
  } finally {
    await world.stop();
  }
}

describe('the budget warning threshold', () => {
  it('is ORCH_BUDGET_WARN_PERCENT of a session limit', async () => {
    const warnings = await stepWarningsOfOneTurn({ ORCH_BUDGET_STEPS: '10', ORCH_BUDGET_WARN_PERCENT: '30' });
    expect(warnings).toEqual([
      expect.objectContaining({ dimension: 'steps', used: 3, limit: 10, isExhausted: false }),
    ]);
  });

  it('is 80% when unset', async () => {
    expect(await stepWarningsOfOneTurn({ ORCH_BUDGET_STEPS: '10' })).toEqual([]);
  });
});
