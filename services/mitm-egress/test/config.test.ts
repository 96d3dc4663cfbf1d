import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('mitm-egress configuration', () => {
  it('has defaults and reads compatible endpoints with keys from the variables they name', () => {
    const config = loadConfig({
      EGRESS_OPENAI_COMPATIBLE:
        '[{"name":"openrouter","baseUrl":"https://openrouter.ai/api/v1","apiKeyEnv":"OPENROUTER_API_KEY"}]',
      OPENROUTER_API_KEY: 'real-or',
    });
    expect(config.EGRESS_PORT).toBe(8788);
    expect(config.EGRESS_HOST).toBe('127.0.0.1');
    expect(config.compatibleKeys).toEqual({ openrouter: 'real-or' });
  });

  it('names every bad variable, without echoing a key', () => {
    expect(() =>
      loadConfig({
        EGRESS_PORT: 'x',
        EGRESS_OPENAI_COMPATIBLE: 'not json',
        EGRESS_UPSTREAM_OVERRIDES: '{"a":"nope"}',
      }),
    ).toThrow(/EGRESS_PORT[\s\S]*EGRESS_OPENAI_COMPATIBLE[\s\S]*EGRESS_UPSTREAM_OVERRIDES/);
  });
});
