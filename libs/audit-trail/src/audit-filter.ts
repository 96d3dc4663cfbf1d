import type { AuditFilter } from '@ironcurtain/proto-schemas';
import type { z } from 'zod';

/** The filter of `audit.query.v1` (and of `ironcurtain audit tail`). */
export type AuditFilterValue = z.output<typeof AuditFilter>;

/** The fields of a record that filters and ordering look at. */
export interface FilterableRecord {
  kind: string;
  timestamp: string;
  sessionId: string;
  seq: number;
  userId?: string | undefined;
  serverName: string;
  toolName: string;
  policyDecision: { status: string; rule: string };
}

/**
 * A predicate for `filter`: every field given must be equal; `since` is inclusive, `until` exclusive, both compared
 * as instants (so `+02:00` and `Z` times compare correctly).
 */
export function createAuditRecordMatcher(filter: AuditFilterValue): (record: FilterableRecord) => boolean {
  const sinceMs = filter.since === undefined ? undefined : Date.parse(filter.since);
  const untilMs = filter.until === undefined ? undefined : Date.parse(filter.until);
  return (record) => {
    if (filter.sessionId !== undefined && record.sessionId !== filter.sessionId) return false;
    if (filter.kind !== undefined && record.kind !== filter.kind) return false;
    if (filter.userId !== undefined && record.userId !== filter.userId) return false;
    if (filter.serverName !== undefined && record.serverName !== filter.serverName) return false;
    if (filter.toolName !== undefined && record.toolName !== filter.toolName) return false;
    if (filter.decision !== undefined && record.policyDecision.status !== filter.decision) return false;
    if (filter.rule !== undefined && record.policyDecision.rule !== filter.rule) return false;
    if (sinceMs === undefined && untilMs === undefined) return true;
    const timeMs = Date.parse(record.timestamp);
    if (sinceMs !== undefined && !(timeMs >= sinceMs)) return false;
    return untilMs === undefined || timeMs < untilMs;
  };
}

/** Where a record sorts in query results: by time, then session id (code-unit order), then seq. */
export interface RecordOrderKey {
  timeMs: number;
  sessionId: string;
  seq: number;
}

/** The order key of a record. */
export function orderKeyOf(
  record: Pick<FilterableRecord, 'timestamp' | 'sessionId' | 'seq'>,
): RecordOrderKey {
  return { timeMs: Date.parse(record.timestamp), sessionId: record.sessionId, seq: record.seq };
}

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function compareOrderKeys(a: RecordOrderKey, b: RecordOrderKey): number {
  if (a.timeMs !== b.timeMs) return a.timeMs < b.timeMs ? -1 : 1;
  if (a.sessionId !== b.sessionId) return a.sessionId < b.sessionId ? -1 : 1;
  return a.seq - b.seq;
}

/** The `nextCursor` of a page that ended at `key`. */
export function encodeCursor(key: RecordOrderKey): string {
  return `${key.timeMs}|${key.sessionId}|${key.seq}`;
}

/** The key a cursor stands for, or undefined for text that is not a cursor. */
export function decodeCursor(cursor: string): RecordOrderKey | undefined {
  const match = /^(-?\d{1,16})\|([A-Za-z0-9_-]{1,64})\|(\d{1,16})$/.exec(cursor);
  if (match === null) return undefined;
  return { timeMs: Number(match[1]), sessionId: match[2] as string, seq: Number(match[3]) };
}
