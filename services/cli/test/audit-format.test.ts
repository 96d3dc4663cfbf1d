import { describe, expect, it } from 'vitest';
import { sealRecord, emptyChainHead } from '@ironcurtain/audit-trail';
import { createRecordTable, formatRecordJson, type RecordTable } from '../src/domain/audit/audit-report.js';
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
  const outcome = (
    error: string,
    toolName = 'read_file',
    { sessionId = 's1', rule = 'allow-read' }: { sessionId?: string; rule?: string } = {},
  ) =>
    sealRecord(
      {
        kind: 'outcome',
        timestamp: '2026-11-24T12:00:00.000Z',
        requestId: 'c1',
        sessionId,
        serverName: 'filesystem',
        toolName,
        policyDecision: { status: 'allow', rule, reason: 'r' },
        policyHash: '',
        result: { status: 'error', error },
        durationMs: 12,
      },
      emptyChainHead,
    ).record;
  const rowOf = (record: ReturnType<typeof outcome>) => createRecordTable([record]).row(record);
  /** Where each column starts in the header. */
  const columnStarts = (table: RecordTable) =>
    ['TIME', 'SESSION', 'SEQ', 'KIND', 'TOOL', 'DECISION', 'RULE', 'RESULT'].map((name) =>
      table.header.indexOf(name),
    );

  it('prints an outcome with its result, and shows control characters instead of sending them', () => {
    const record = outcome('boom\u001b[2J\nnext\u202e');
    const row = rowOf(record);
    expect(row).toContain('filesystem.read_file');
    expect(row).toContain('error in 12 ms: boom\\x1b[2J\\x0anext\\u202e');
    expect(row).not.toContain('\u001b');
    expect(row).not.toContain('\u202e');
    expect(row.split('\n')).toHaveLength(2);
    expect(createRecordTable([record]).header.indexOf('RESULT')).toBe(row.indexOf('error in'));
  });

  it('sizes each column to its contents: long session ids and rules stay in their column', () => {
    const longSession = `20261124-120000-${'f'.repeat(20)}`;
    const longRule = 'escalate-github-pull-request-changes';
    const records = [
      outcome('one', 'read_file', { sessionId: longSession, rule: 'allow-read' }),
      outcome('two', 'write_file', { sessionId: 's2', rule: longRule }),
      outcome('three', 'x'.repeat(120), { sessionId: 'u'.repeat(90), rule: 'r'.repeat(90) }),
    ];
    const table = createRecordTable(records);
    const starts = columnStarts(table);
    expect(starts.every((start, index) => index === 0 || start > (starts[index - 1] ?? 0))).toBe(true);
    const cells = records.map((record) => {
      const row = table.row(record);
      // Every column of every row starts where the header's does, after a space.
      for (const start of starts.slice(1)) expect(row[start - 1]).toBe(' ');
      return starts.map((start, index) => row.slice(start, starts[index + 1] ?? row.length - 1).trimEnd());
    });
    expect(cells[0]?.[1]).toBe(longSession);
    expect(cells[1]?.[6]).toBe(longRule);
    expect(cells[1]?.[7]).toBe('error in 12 ms: two');
    // Beyond a column's maximum the cell is cut, visibly, and the next column still starts in its place.
    expect(cells[2]?.[1]).toMatch(/^u+…$/);
    expect(cells[2]?.[4]).toMatch(/^filesystem\.x+…$/);
    expect(cells[2]?.[6]).toMatch(/^r+…$/);
    expect(cells[2]?.[7]).toBe('error in 12 ms: three');
    // Short contents give narrow columns: the session column is as wide as its widest shown id.
    const narrow = createRecordTable([outcome('x')]);
    expect(narrow.header).toMatch(/^TIME {21}SESSION SEQ KIND {4}TOOL {17}DECISION RULE {7}RESULT\n$/);
  });

  it('keeps at least the typical widths when rows are still to come (tail -f)', () => {
    const following = createRecordTable([], { isFollowing: true });
    const later = outcome('late', 'read_file', { sessionId: '20261124-120000-3f9a0c' });
    const row = following.row(later);
    const starts = columnStarts(following);
    expect(row.slice(starts[1], starts[2]).trimEnd()).toBe('20261124-120000-3f9a0c');
    expect(row.slice(starts[7])).toBe('error in 12 ms: late\n');
  });

  it('is inert in a terminal, as a row and as a JSON line, and cuts a long result visibly', async () => {
    const record = outcome(`${hostileText} ${'x'.repeat(1000)}`, `read${hostileText}`);
    const row = rowOf(record);
    const json = formatRecordJson(record);
    expect(row).toContain(`filesystem.read${hostileTextShown.slice(0, 30)}`);
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
