import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('audit-writer configuration', () => {
  it('redacts by default, rechecks a broken trail every second, and has no PostgreSQL', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      AUDIT_REDACTION: true,
      AUDIT_RECHECK_MS: 1000,
      AUDIT_MAX_OPEN_FILES: 256,
      AUDIT_POSTGRES_SCHEMA: 'ironcurtain_audit',
    });
    expect(config.AUDIT_POSTGRES_URL).toBeUndefined();
  });

  it('turns redaction off with off, false or 0', () => {
    for (const value of ['off', 'false', '0'])
      expect(loadConfig({ AUDIT_REDACTION: value }).AUDIT_REDACTION).toBe(false);
  });

  it('names every bad variable in one error', () => {
    expect(() =>
      loadConfig({
        AUDIT_REDACTION: 'maybe',
        AUDIT_POSTGRES_SCHEMA: 'Bad-Name; DROP',
        AUDIT_RECHECK_MS: '0',
      }),
    ).toThrow(
      /AUDIT_REDACTION[\s\S]*AUDIT_RECHECK_MS[\s\S]*AUDIT_POSTGRES_SCHEMA|AUDIT_REDACTION[\s\S]*AUDIT_POSTGRES_SCHEMA[\s\S]*AUDIT_RECHECK_MS/,
    );
  });
});
