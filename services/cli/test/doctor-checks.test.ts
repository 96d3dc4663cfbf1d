import { describe, expect, it } from 'vitest';
import { checkApiKeys, checkNodeVersion } from '../src/domain/doctor/doctor-checks.js';

describe('checkNodeVersion', () => {
  it('is a problem below 22.12, a warning on 22 and 23, ok from 24', () => {
    expect(checkNodeVersion('v20.19.0').status).toBe('problem');
    expect(checkNodeVersion('v22.11.0').status).toBe('problem');
    expect(checkNodeVersion('v22.12.0').status).toBe('warning');
    expect(checkNodeVersion('v23.1.0').status).toBe('warning');
    expect(checkNodeVersion('v24.21.0')).toEqual({ check: 'node', status: 'ok', summary: 'Node v24.21.0' });
  });

  it('tells how to fix an old Node', () => {
    expect(checkNodeVersion('v20.19.0').fix).toContain('./scripts/setup');
  });
});

describe('checkApiKeys', () => {
  it('warns when no key is set and names the variables to set', () => {
    const result = checkApiKeys({ ANTHROPIC_API_KEY: '  ' });
    expect(result.status).toBe('warning');
    expect(result.fix).toContain('ANTHROPIC_API_KEY');
  });

  it('reports presence only', () => {
    const result = checkApiKeys({ OPENAI_API_KEY: 'sk-proj-0123456789abcdef' });
    expect(result.status).toBe('ok');
    expect(result.summary).toBe(
      'ANTHROPIC_API_KEY absent, OPENAI_API_KEY present, GOOGLE_GENERATIVE_AI_API_KEY absent',
    );
  });

  it('counts a key in config.json, naming its provider but never the key', () => {
    const result = checkApiKeys({}, { google: 'AIza-fixture-key-0123456789', anthropic: ' ' });
    expect(result.status).toBe('ok');
    expect(result.summary).toMatch(/; config\.json holds keys for google$/);
    expect(result.summary).not.toContain('AIza');
    expect(checkApiKeys({}, {}).fix).toContain('ironcurtain setup');
  });
});
