import {
  compareOrderKeys,
  createAuditRecordMatcher,
  decodeCursor,
  encodeCursor,
  orderKeyOf,
  type AuditRecordValue,
  type RecordOrderKey,
} from '@ironcurtain/audit-trail';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { AuditQuery, ParsedRequestOf, ResponseOf } from '@ironcurtain/proto-schemas';
import { trailPathOf } from './trail-file.js';
import { listTrailSessions, readTrailRecords } from './trail-reader.js';

/** An `audit.query.v1` request after parsing (defaults filled). */
export type AuditQueryRequest = ParsedRequestOf<typeof AuditQuery>;
/** An `audit.query.v1` reply. */
export type AuditQueryResponse = ResponseOf<typeof AuditQuery>;

interface Candidate {
  key: RecordOrderKey;
  record: AuditRecordValue;
}

/**
 * Answers a query from the session files: every trail (or the one session asked for) is read, the matching records
 * are ordered by (timestamp, sessionId, seq) and one page is returned. Memory stays bounded by a few pages, however
 * large the trails.
 */
export async function queryTrailFiles(home: string, request: AuditQueryRequest): Promise<AuditQueryResponse> {
  const cursor = cursorOf(request.cursor);
  const direction = request.order === 'asc' ? 1 : -1;
  const isAfterCursor = (key: RecordOrderKey) =>
    cursor === undefined || direction * compareOrderKeys(key, cursor) > 0;
  const byOrder = (a: Candidate, b: Candidate) => direction * compareOrderKeys(a.key, b.key);
  const matches = createAuditRecordMatcher(request);
  const keep = request.limit + 1;
  let candidates: Candidate[] = [];
  const sessions = request.sessionId === undefined ? await listTrailSessions(home) : [request.sessionId];
  for (const sessionId of sessions) {
    for await (const record of readTrailRecords(trailPathOf(home, sessionId))) {
      if (!matches(record)) continue;
      const key = orderKeyOf(record);
      if (!isAfterCursor(key)) continue;
      candidates.push({ key, record });
      if (candidates.length >= keep * 4) candidates = candidates.sort(byOrder).slice(0, keep);
    }
  }
  candidates.sort(byOrder);
  const page = candidates.slice(0, request.limit);
  const last = page.at(-1);
  const hasMore = candidates.length > request.limit;
  return {
    records: page.map((candidate) => candidate.record),
    hasMore,
    ...(hasMore && last !== undefined ? { nextCursor: encodeCursor(last.key) } : {}),
    source: 'files',
  };
}

/** The position a cursor names; a cursor that is not one of ours is a schema error, not an empty page. */
export function cursorOf(cursor: string | undefined): RecordOrderKey | undefined {
  if (cursor === undefined) return undefined;
  const key = decodeCursor(cursor);
  if (key === undefined) {
    throw new AppError(ErrorCode.SchemaInvalid, 'audit.query.v1: cursor is not a nextCursor of this service');
  }
  return key;
}
