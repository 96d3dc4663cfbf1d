// The ORCH_AUTO_COMPACT_* variables (config.json `autoCompact`, mapped by the CLI) and the note a compaction makes.
import { describe, expect, it } from 'vitest';
import { autoCompactSettingsOf } from '../src/compaction-wiring.js';
import { loadConfig } from '../src/config.js';
import { compactionNoteText } from '../src/domain/session-compaction.js';

const base = { NATS_URL: 'nats://127.0.0.1:4222' };

describe('auto-compaction settings', () => {
  it('default to on, 160,000 tokens, the last 10 messages and the session’s own model', () => {
    expect(autoCompactSettingsOf(loadConfig(base))).toEqual({
      isEnabled: true,
      thresholdTokens: 160_000,
      keepRecentMessages: 10,
      summaryModelId: undefined,
    });
  });

  it('take each variable', () => {
    const config = loadConfig({
      ...base,
      ORCH_AUTO_COMPACT_ENABLED: 'false',
      ORCH_AUTO_COMPACT_THRESHOLD_TOKENS: '90000',
      ORCH_AUTO_COMPACT_KEEP_RECENT_MESSAGES: '4',
      ORCH_AUTO_COMPACT_MODEL: 'openai:gpt-4.1-mini',
    });
    expect(autoCompactSettingsOf(config)).toEqual({
      isEnabled: false,
      thresholdTokens: 90_000,
      keepRecentMessages: 4,
      summaryModelId: 'openai:gpt-4.1-mini',
    });
  });

  it('refuse bad values, naming each variable', () => {
    const load = () =>
      loadConfig({
        ...base,
        ORCH_AUTO_COMPACT_ENABLED: 'yes please',
        ORCH_AUTO_COMPACT_THRESHOLD_TOKENS: '12',
        ORCH_AUTO_COMPACT_MODEL: 'gpt-4.1-mini',
      });
    expect(load).toThrow(/ORCH_AUTO_COMPACT_ENABLED/);
    expect(load).toThrow(/ORCH_AUTO_COMPACT_THRESHOLD_TOKENS/);
    expect(load).toThrow(/ORCH_AUTO_COMPACT_MODEL.*provider:model/);
  });
});

describe('compactionNoteText', () => {
  it('says how many messages were summarized and the size before and after', () => {
    const report = { summarizedMessages: 12, messagesAfter: 11, thresholdTokens: 160_000 };
    expect(compactionNoteText({ ...report, tokensBefore: 161_204, tokensAfter: 8512 })).toBe(
      'conversation compacted: 12 messages summarized, ~161,204 → ~8,512 tokens',
    );
    expect(compactionNoteText({ ...report, tokensBefore: 190_000, tokensAfter: 170_000 })).toMatch(
      /~170,000 tokens \(still over the 160,000-token threshold: the recent messages alone are that large\)$/,
    );
  });
});
