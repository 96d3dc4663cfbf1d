import pg from 'pg';
import { encodeCursor, orderKeyOf, type AuditRecordValue } from '@ironcurtain/audit-trail';
import { AuditRecord } from '@ironcurtain/proto-schemas';
import { cursorOf, type AuditQueryRequest, type AuditQueryResponse } from './file-query.js';
import { migrate, quoteIdentifier } from './postgres-migrations.js';

/** The audit tables in PostgreSQL: the copy of the trails that team deployments query (and Grafana reads). */
export interface AuditPostgres {
  /** Creates or upgrades the schema; returns its version. */
  migrate(): Promise<number>;
  /** Inserts records; a record already there (same session and seq) is left as it is. */
  insert(records: readonly AuditRecordValue[]): Promise<void>;
  /** How many records of a session are there, and the highest seq (-1 for none). */
  progress(sessionId: string): Promise<{ count: number; maxSeq: number }>;
  /** `audit.query.v1`, with the same filter, order and cursor as the file query. */
  query(request: AuditQueryRequest): Promise<AuditQueryResponse>;
  close(): Promise<void>;
}

/** Connects a small pool to `url`; nothing is sent until the first call. */
export function createAuditPostgres(options: { url: string; schema: string }): AuditPostgres {
  const pool = new pg.Pool({ connectionString: options.url, max: 4, connectionTimeoutMillis: 5000 });
  // An idle client losing its server must not crash the writer; the next query reconnects.
  pool.on('error', () => undefined);
  const table = `${quoteIdentifier(options.schema)}.audit_records`;
  return {
    async migrate() {
      const client = await pool.connect();
      try {
        return await migrate(client, options.schema);
      } finally {
        client.release();
      }
    },
    async insert(records) {
      if (records.length === 0) return;
      const rows = records.map((record) => ({ tsMs: Date.parse(record.timestamp), record }));
      await pool.query(insertSql(table), [JSON.stringify(rows)]);
    },
    async progress(sessionId) {
      const result = await pool.query<{ count: string; max_seq: string | null }>(
        `SELECT count(*) AS count, max(seq) AS max_seq FROM ${table} WHERE session_id = $1`,
        [sessionId],
      );
      const row = result.rows[0];
      return { count: Number(row?.count ?? 0), maxSeq: row?.max_seq == null ? -1 : Number(row.max_seq) };
    },
    async query(request) {
      const { text, values } = buildQuerySql(table, request);
      const result = await pool.query<{ record: unknown }>(text, values);
      const records = result.rows.map((row) => AuditRecord.parse(row.record));
      const page = records.slice(0, request.limit);
      const last = page.at(-1);
      const hasMore = records.length > request.limit;
      return {
        records: page,
        hasMore,
        ...(hasMore && last !== undefined ? { nextCursor: encodeCursor(orderKeyOf(last)) } : {}),
        source: 'postgres',
      };
    },
    close: () => pool.end(),
  };
}

function insertSql(table: string): string {
  return `INSERT INTO ${table} (session_id, seq, kind, ts, ts_ms, request_id, user_id, server_name, tool_name,
      decision, rule, reason, escalation_result, result_status, result_error, duration_ms, sandboxed, auto_approved,
      whitelist_approved, policy_hash, prev_hash, hash, record)
    SELECT r->>'sessionId', (r->>'seq')::bigint, r->>'kind', (r->>'timestamp')::timestamptz, (e->>'tsMs')::bigint,
      r->>'requestId', r->>'userId', r->>'serverName', r->>'toolName', r->'policyDecision'->>'status',
      r->'policyDecision'->>'rule', r->'policyDecision'->>'reason', r->>'escalationResult', r->'result'->>'status',
      r->'result'->>'error', (r->>'durationMs')::double precision, (r->>'sandboxed')::boolean,
      (r->>'autoApproved')::boolean, (r->>'whitelistApproved')::boolean, r->>'policyHash', r->>'prevHash',
      r->>'hash', r
    FROM jsonb_array_elements($1::jsonb) AS e, LATERAL (SELECT e->'record' AS r) AS row
    ON CONFLICT (session_id, seq) DO NOTHING`;
}

/**
 * The SQL of a query: the filter's fields as equalities, `since`/`until` on the record's instant, the cursor as a
 * row comparison on (ts_ms, session_id, seq) — session_id is `COLLATE "C"`, the same code-unit order the file query
 * sorts by — and one row more than the limit to know whether there is more.
 */
export function buildQuerySql(
  table: string,
  request: AuditQueryRequest,
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const parameter = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const conditions: string[] = [];
  const equal = (column: string, value: string | undefined) => {
    if (value !== undefined) conditions.push(`${column} = ${parameter(value)}`);
  };
  equal('session_id', request.sessionId);
  equal('user_id', request.userId);
  equal('decision', request.decision);
  equal('server_name', request.serverName);
  equal('tool_name', request.toolName);
  equal('rule', request.rule);
  equal('kind', request.kind);
  if (request.since !== undefined) conditions.push(`ts_ms >= ${parameter(Date.parse(request.since))}`);
  if (request.until !== undefined) conditions.push(`ts_ms < ${parameter(Date.parse(request.until))}`);
  const cursor = cursorOf(request.cursor);
  const direction = request.order === 'asc' ? 'ASC' : 'DESC';
  if (cursor !== undefined) {
    const comparison = request.order === 'asc' ? '>' : '<';
    const row = `(${parameter(cursor.timeMs)}, ${parameter(cursor.sessionId)}, ${parameter(cursor.seq)})`;
    conditions.push(`(ts_ms, session_id, seq) ${comparison} ${row}`);
  }
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  const order = `ORDER BY ts_ms ${direction}, session_id ${direction}, seq ${direction}`;
  return {
    text: `SELECT record FROM ${table} ${where} ${order} LIMIT ${parameter(request.limit + 1)}`,
    values,
  };
}
