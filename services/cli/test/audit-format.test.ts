import { describe, expect, it } from 'vitest';
import { sealRecord, emptyChainHead } from '@ironcurtain/audit-trail';
import { formatRecordHeader, formatRecordJson, formatRecordRow } from '../src/domain/audit/audit-report.js';
import { parseTimeOption } from '../src/domain/audit/audit-time.js';
import { hostileText, hostileTextShown } from './hostile-text.js';
import { renderInTerminal } from '@ironcurtain/testing';

describe('parseTimeOption', () => {
  const now = new Date('2026-11-24T12:00:00.000Z');

  it('reads ages back from now', () => {
    expect(parseTimeOption('--since', '90s', now)).toBe('2026-11-24T11:58:30.000Z');
    expect(parseTimeOption('--since', '15m', now)).toBe('2026-11-24T11:45:00.000Z');
    expect(parseTimeOption('--since', '2h', now)).toBe('2026-11-24T10:00:00.000Z');
    expect(parseTimeOption('--since', '7d', now)).toBe('2026-11-17T12:00:00.000Z');
  });

  it('reads ISO-8601 times and dates, in UTC', () => {
    expect(parseTimeOption('--until', '2026-11-24T14:00:00+02:00', now)).toBe('2026-11-24T12:00:00.000Z');
    expect(parseTimeOption('--until', '2026-11-20', now)).toBe('2026-11-20T00:00:00.000Z');
  });

  it('names the option and the forms it takes', () => {
    expect(() => parseTimeOption('--since', 'yesterday', now)).toThrow(
      /--since "yesterday" is not a time.*15m/,
    );
  });
});

describe('record table', () => {
  const outcome = (error: string, toolName = 'read_file') =>
    sealRecord(
      {
        kind: 'outcome',
        timestamp: '2026-11-24T12:00:00.000Z',
        requestId: 'c1',
        sessionId: 's1',
        serverName: 'filesystem',
        toolName,
        policyDecision: { status: 'allow', rule: 'allow-read', reason: 'r' },
        policyHash: '',
        result: { status: 'error', error },
        durationMs: 12,
      },
      emptyChainHead,
    ).record;

  it('prints an outcome with its result, and shows control characters instead of sending them', () => {
    const row = formatRecordRow(outcome('boom\u001b[2J\nnext\u202e'));
    expect(row).toContain('filesystem.read_file');
    expect(row).toContain('error in 12 ms: boom\\x1b[2J\\x0anext\\u202e');
    expect(row).not.toContain('\u001b');
    expect(row).not.toContain('\u202e');
    expect(row.split('\n')).toHaveLength(2);
    expect(formatRecordHeader().indexOf('RESULT')).toBe(row.indexOf('error in'));
  });

  it('is inert in a terminal, as a row and as a JSON line, and cuts a long result visibly', async () => {
    const record = outcome(`${hostileText} ${'x'.repeat(1000)}`, `read${hostileText}`);
    const row = formatRecordRow(record);
    const json = formatRecordJson(record);
    expect(row).toContain(`filesystem.read${hostileTextShown.slice(0, 40)}`);
    expect(row).toContain(`error in 12 ms: ${hostileTextShown.slice(0, 200)}`);
    expect(row).toMatch(/… \(\d+ more characters\)\n$/);
    expect(JSON.parse(json)).toEqual(record);
    for (const output of [row, json]) {
      const screen = await renderInTerminal(output, { cols: 400 });
      expect(screen.lines).toEqual([output.trimEnd()]);
      expect(screen.effects).toEqual([]);
      expect(screen.scrollsNormally).toBe(true);
    }
  });
});
