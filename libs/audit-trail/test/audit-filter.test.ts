import { describe, expect, it } from 'vitest';
import {
  compareOrderKeys,
  createAuditRecordMatcher,
  decodeCursor,
  encodeCursor,
  orderKeyOf,
  type FilterableRecord,
} from '@ironcurtain/audit-trail';

const record = (overrides: Partial<FilterableRecord> = {}): FilterableRecord => ({
  kind: 'decision',
  timestamp: '2026-11-24T12:00:00.000Z',
  sessionId: 's1',
  seq: 3,
  userId: 'alice',
  serverName: 'filesystem',
  toolName: 'read_file',
  policyDecision: { status: 'allow', rule: 'allow-read' },
  ...overrides,
});

describe('createAuditRecordMatcher', () => {
  it('matches on every given field and ignores the others', () => {
    expect(createAuditRecordMatcher({})(record())).toBe(true);
    const matcher = createAuditRecordMatcher({
      sessionId: 's1',
      decision: 'allow',
      rule: 'allow-read',
      userId: 'alice',
    });
    expect(matcher(record())).toBe(true);
    expect(matcher(record({ userId: 'bob' }))).toBe(false);
    expect(matcher(record({ userId: undefined }))).toBe(false);
    expect(matcher(record({ policyDecision: { status: 'deny', rule: 'allow-read' } }))).toBe(false);
    expect(createAuditRecordMatcher({ kind: 'outcome' })(record())).toBe(false);
    expect(createAuditRecordMatcher({ serverName: 'git' })(record())).toBe(false);
    expect(createAuditRecordMatcher({ toolName: 'read_file' })(record())).toBe(true);
  });

  it('takes since inclusive and until exclusive, as instants whatever the offset', () => {
    const matcher = createAuditRecordMatcher({
      since: '2026-11-24T14:00:00.000+02:00',
      until: '2026-11-24T12:00:01.000Z',
    });
    expect(matcher(record())).toBe(true);
    expect(matcher(record({ timestamp: '2026-11-24T11:59:59.999Z' }))).toBe(false);
    expect(matcher(record({ timestamp: '2026-11-24T12:00:01.000Z' }))).toBe(false);
    expect(matcher(record({ timestamp: '2026-11-24T13:00:00.500+01:00' }))).toBe(true);
  });
});

describe('order keys and cursors', () => {
  it('orders by time, then session id, then seq', () => {
    const keys = [
      orderKeyOf(record({ seq: 2, sessionId: 'b' })),
      orderKeyOf(record({ seq: 1, sessionId: 'b' })),
      orderKeyOf(record({ seq: 9, sessionId: 'a' })),
      orderKeyOf(record({ seq: 0, timestamp: '2026-11-24T11:00:00.000Z' })),
    ];
    expect(keys.sort(compareOrderKeys).map((key) => `${key.sessionId}${key.seq}`)).toEqual([
      's10',
      'a9',
      'b1',
      'b2',
    ]);
  });

  it('round-trips a cursor and refuses text that is not one', () => {
    const key = orderKeyOf(record());
    expect(decodeCursor(encodeCursor(key))).toEqual(key);
    for (const text of ['', 'x|y|z', '1|../etc|2', '1|s1', '1|s1|2|3'])
      expect(decodeCursor(text)).toBeUndefined();
  });
});
