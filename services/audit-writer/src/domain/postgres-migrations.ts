import type { PoolClient } from 'pg';

/** One step of the PostgreSQL schema; applied once, in order, recorded in `<schema>.schema_migrations`. */
export interface Migration {
  version: number;
  description: string;
  statements(schema: string): string[];
}

/** Quotes an SQL identifier (the schema name is checked by the config, and quoted all the same). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The schema, oldest first. Add a new version for any change; never edit one that has shipped. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'audit_records: one row per record, columns for the query filters, the record as jsonb',
    statements: (schema) => {
      const table = `${quoteIdentifier(schema)}.audit_records`;
      return [
        `CREATE TABLE ${table} (
          session_id text COLLATE "C" NOT NULL,
          seq bigint NOT NULL,
          kind text NOT NULL,
          ts timestamptz NOT NULL,
          ts_ms bigint NOT NULL,
          request_id text NOT NULL,
          user_id text,
          server_name text NOT NULL,
          tool_name text NOT NULL,
          decision text NOT NULL,
          rule text NOT NULL,
          reason text NOT NULL,
          escalation_result text,
          result_status text,
          result_error text,
          duration_ms double precision,
          sandboxed boolean,
          auto_approved boolean,
          whitelist_approved boolean,
          policy_hash text NOT NULL,
          prev_hash text NOT NULL,
          hash text NOT NULL,
          record jsonb NOT NULL,
          PRIMARY KEY (session_id, seq)
        )`,
        `CREATE INDEX audit_records_order ON ${table} (ts_ms, session_id, seq)`,
        `CREATE INDEX audit_records_decision ON ${table} (decision, ts_ms)`,
        `CREATE INDEX audit_records_rule ON ${table} (rule, ts_ms)`,
        `CREATE INDEX audit_records_tool ON ${table} (server_name, tool_name, ts_ms)`,
        `CREATE INDEX audit_records_user ON ${table} (user_id, ts_ms) WHERE user_id IS NOT NULL`,
      ];
    },
  },
];

/**
 * Brings `schema` up to the latest version: creates it, then applies every migration it has not had, in one
 * transaction under an advisory lock, so writers starting together do not race. Returns the version it is at.
 */
export async function migrate(client: PoolClient, schema: string): Promise<number> {
  const quoted = quoteIdentifier(schema);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ironcurtain-audit:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const current = await client.query<{ version: number }>(
      `SELECT coalesce(max(version), 0)::integer AS version FROM ${quoted}.schema_migrations`,
    );
    let version = current.rows[0]?.version ?? 0;
    for (const migration of migrations) {
      if (migration.version <= version) continue;
      for (const statement of migration.statements(schema)) await client.query(statement);
      await client.query(`INSERT INTO ${quoted}.schema_migrations (version, description) VALUES ($1, $2)`, [
        migration.version,
        migration.description,
      ]);
      version = migration.version;
    }
    await client.query('COMMIT');
    return version;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
