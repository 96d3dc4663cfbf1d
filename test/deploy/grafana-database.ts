// PostgreSQL for the dashboard tests: the machine's server (127.0.0.1:5432, database `test`, trust auth;
// AUDIT_TEST_POSTGRES_URL to point elsewhere), the read-only role made by running deploy/grafana/reader-role.sql with
// psql exactly as deploy/README.md says (the password on stdin), and a client logged in as that role.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const postgresUrl =
  process.env['AUDIT_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const grafanaFolder = fileURLToPath(new URL('../../deploy/grafana/', import.meta.url));

/** Why PostgreSQL cannot be used here, or undefined when it can. */
export async function whyPostgresIsUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${postgresUrl} is not reachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs psql on `postgresUrl` with `input` on stdin; resolves with its exit code and output. */
export function runPsql(input: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', ['--no-psqlrc', '--quiet', `--dbname=${postgresUrl}`], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) =>
      reject(new Error(`psql could not run (install postgresql-client): ${error.message}`)),
    );
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}

/** A read-only role made by reader-role.sql for `schema`, and how to log in as it. */
export interface ReaderRole {
  name: string;
  password: string;
  /** A client logged in as the role; bigint and numeric columns come back as numbers, as Grafana shows them. */
  connect(): Promise<pg.Client>;
  /** Drops what the role owns or was granted in this database, then the role. */
  drop(admin: pg.Client): Promise<void>;
}

const asNumbers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC
      ? Number
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Runs deploy/grafana/reader-role.sql with a fresh role name and password for `schema`. */
export async function createReaderRole(schema: string): Promise<ReaderRole> {
  const name = `grafana_reader_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(24).toString('hex');
  const script = await readFile(`${grafanaFolder}reader-role.sql`, 'utf8');
  const variables = `\\set reader_password ${password}\n\\set reader_role ${name}\n\\set audit_schema ${schema}\n`;
  const result = await runPsql(variables + script);
  if (result.code !== 0) throw new Error(`reader-role.sql failed (exit ${result.code}): ${result.output}`);
  return {
    name,
    password,
    async connect() {
      const url = new URL(postgresUrl);
      url.username = name;
      url.password = password;
      const client = new pg.Client({ connectionString: url.toString(), types: asNumbers });
      await client.connect();
      return client;
    },
    async drop(admin) {
      await admin.query(`DROP OWNED BY "${name}"`);
      await admin.query(`DROP ROLE IF EXISTS "${name}"`);
    },
  };
}

/** The SQLSTATE code of the error `sql` raised, or undefined when it ran. */
export async function errorCodeOf(client: pg.Client, sql: string): Promise<string | undefined> {
  try {
    await client.query(sql);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}
