// The orchestrator's settings parse what `ironcurtain up` hands over from config.json: the text user-config's
// serviceSettingsOf makes of `resourceBudget` and `dockerResources` at the edges of what its schema allows.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

const base = { NATS_URL: 'nats://127.0.0.1:4222' };

describe('session-orchestrator configuration from config.json', () => {
  it('accepts the share serviceSettingsOf produces, fractions and unlimited included', () => {
    // resourceBudget { maxSessionSeconds: 90, maxEstimatedCostUsd: null, warnThresholdPercent: 50 },
    // dockerResources { memoryMb: 262144, cpus: 1.5, pids: 1000000 }
    const share = {
      ORCH_BUDGET_MINUTES: '1.5',
      ORCH_BUDGET_COST_USD: 'null',
      ORCH_BUDGET_WARN_PERCENT: '50',
      ORCH_AGENT_MEMORY_MB: '262144',
      ORCH_AGENT_CPUS: '1.5',
      ORCH_AGENT_PIDS: '1000000',
    };
    const config = loadConfig({ ...base, ...share });
    expect(config.ORCH_BUDGET_MINUTES).toBe(1.5);
    expect(config.ORCH_BUDGET_COST_USD).toBeNull();
    expect(config.ORCH_BUDGET_WARN_PERCENT).toBe(50);
    expect(config.ORCH_AGENT_CPUS).toBe(1.5);
    expect(config.ORCH_AGENT_PIDS).toBe(1_000_000);
    expect(config.ORCH_AGENT_MEMORY_MB).toBe(262_144);
  });

  it('takes ORCH_BUDGET_WARN_PERCENT from 1 to 99, 80 by default', () => {
    expect(loadConfig(base).ORCH_BUDGET_WARN_PERCENT).toBe(80);
    for (const bad of ['0', '100', '50.5', 'half'])
      expect(() => loadConfig({ ...base, ORCH_BUDGET_WARN_PERCENT: bad })).toThrow(
        /ORCH_BUDGET_WARN_PERCENT/,
      );
  });
});
