// Every dashboard panel's SQL (deploy/grafana/queries/*.sql) against a real PostgreSQL holding a trail written by the
// real audit-writer (its built process, a real nats-server, a schema of this run's own): the scripted trail of
// grafana-trail.ts goes in through audit.append.v1 and audit.append-refusal.v1, the read-only role is made by
// reader-role.sql, and each panel's SQL is expanded as Grafana expands it and run as that role. The figures below are
// the ones the script implies, counted by hand. PostgreSQL missing: skipped, except under CI=true, where it fails.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type Bus } from '@ironcurtain/bus';
import { AuditAppendRefusal } from '@ironcurtain/proto-schemas';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
import {
  append,
  connectClient,
  spawnWriter,
  temporaryHome,
} from '../../services/audit-writer/test/writer-fixture.js';
import {
  createReaderRole,
  errorCodeOf,
  grafanaFolder,
  postgresUrl,
  whyPostgresIsUnavailable,
  type ReaderRole,
} from './grafana-database.js';
import { expandGrafanaSql } from './grafana-macros.js';
import { hostileRefusalMessage, scriptedTrail, scriptedWaits, trailRange } from './grafana-trail.js';

const unavailable = await whyPostgresIsUnavailable();
if (unavailable !== undefined && process.env['CI'] === 'true') {
  throw new Error(`${unavailable}; CI=true requires it for the dashboard tests`);
}

const schema = `grafana_test_${process.pid}_${randomBytes(4).toString('hex')}`;
const steps = scriptedTrail();
const hour = (time: string) => Date.parse(`2026-03-02T${time}:00Z`) / 1000;
const instant = (time: string) => new Date(`2026-03-02T${time}Z`);
const ranPanels = new Set<string>();

let nats: NatsServerHandle | undefined;
let home: string | undefined;
let client: Bus | undefined;
let writer: Awaited<ReturnType<typeof spawnWriter>> | undefined;
let admin: pg.Client;
let role: ReaderRole | undefined;
let reader: pg.Client | undefined;

/** A panel's SQL file, as Grafana sends it for the test's time range with a 1-hour interval. */
async function panelSql(name: string): Promise<string> {
  const sql = await readFile(join(grafanaFolder, 'queries', `${name}.sql`), 'utf8');
  return expandGrafanaSql(sql, { ...trailRange, interval: '1h' });
}

/** Runs a panel's SQL as the read-only role, as Grafana's datasource does. */
async function runPanel(name: string): Promise<Array<Record<string, unknown>>> {
  if (reader === undefined) throw new Error('the read-only role is not connected');
  const result = await reader.query(await panelSql(name));
  ranPanels.add(name);
  return result.rows as Array<Record<string, unknown>>;
}

describe.skipIf(unavailable !== undefined)(
  'the dashboard queries on a trail written by the audit-writer',
  () => {
    beforeAll(async () => {
      admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      nats = await startNats({ jetstream: false });
      home = await temporaryHome('grafana');
      writer = await spawnWriter(nats.url, {
        IRONCURTAIN_HOME: home,
        AUDIT_POSTGRES_URL: postgresUrl,
        AUDIT_POSTGRES_SCHEMA: schema,
      });
      client = await connectClient(nats.url, 'grafana-test-producer');
      for (const step of steps) {
        if (step.kind === 'append') await append(client, step.record);
        else await request(client, AuditAppendRefusal, { record: step.record }, { timeoutMs: 5000 });
      }
      const table = `"${schema}".audit_records`;
      await eventually(
        'the scripted trail in PostgreSQL',
        async () =>
          Number((await admin.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n) === steps.length,
        20_000,
      );
      role = await createReaderRole(schema);
      reader = await role.connect();
    }, 60_000);

    afterAll(async () => {
      await reader?.end();
      await writer?.stop();
      await client?.close();
      await nats?.dispose();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await role?.drop(admin);
      await admin.end();
      if (home !== undefined) await rm(home, { recursive: true, force: true });
    });

    it('holds the whole script, each refusal without a user, as the gateway writes it', async () => {
      const rows = await admin.query(
        `SELECT kind, count(*)::int AS n, count(user_id)::int AS with_user FROM "${schema}".audit_records
       GROUP BY kind ORDER BY kind`,
      );
      expect(rows.rows).toEqual([
        { kind: 'decision', n: 20, with_user: 20 },
        { kind: 'outcome', n: 12, with_user: 12 },
        { kind: 'verifier', n: 5, with_user: 0 },
      ]);
    });

    it('decisions over time: per hour, by final decision', async () => {
      expect(await runPanel('decisions-over-time')).toEqual([
        { time: hour('09:00'), metric: 'allow', calls: 5 },
        { time: hour('09:00'), metric: 'deny', calls: 2 },
        { time: hour('10:00'), metric: 'allow', calls: 5 },
        { time: hour('10:00'), metric: 'deny', calls: 4 },
      ]);
    });

    it('top denied and top escalated tools', async () => {
      expect(await runPanel('top-denied-tools')).toEqual([
        { tool: 'git.git_push', denied: 4, sessions: 3 },
        { tool: 'filesystem.read_file', denied: 2, sessions: 2 },
      ]);
      expect(await runPanel('top-escalated-tools')).toEqual([
        { tool: 'git.git_push', escalated: 4, approved: 2, denied: 2 },
        { tool: 'fetch.fetch', escalated: 3, approved: 3, denied: 0 },
        { tool: 'filesystem.write_file', escalated: 1, approved: 1, denied: 0 },
      ]);
    });

    it('approvals by approver, the auto-approver and the whitelist by name, an expired ticket as (expired)', async () => {
      expect(await runPanel('approvals-by-approver')).toEqual([
        { approver: 'carol', approved: 2, denied: 1 },
        { approver: 'dave', approved: 2, denied: 0 },
        { approver: 'auto-approver', approved: 1, denied: 0 },
        { approver: 'whitelist', approved: 1, denied: 0 },
        { approver: '(expired)', approved: 0, denied: 1 },
      ]);
    });

    it('the auto-approved and whitelisted share of the 8 escalations', async () => {
      expect(await runPanel('escalation-settlement-share')).toEqual([
        {
          escalations: 8,
          auto_approved: 1,
          whitelisted: 1,
          approved_by_person: 4,
          denied: 2,
          auto_approved_share: 0.125,
          whitelisted_share: 0.125,
        },
      ]);
    });

    it('escalation wait time p50/p95 from the waits the trail records (escalation.waitMs, as the PDP writes it)', async () => {
      const kept = await admin.query(
        `SELECT count(*)::int AS n FROM "${schema}".audit_records WHERE record #> '{escalation,waitMs}' IS NOT NULL`,
      );
      expect(kept.rows[0].n).toBe(scriptedWaits().size);
      // The six waits for a person in range: 2, 4, 6, 8, 10 and 300 s (auto, whitelist and the day before left out).
      expect(await runPanel('escalation-wait-time')).toEqual([
        { escalations: 6, p50_seconds: 7, p95_seconds: 227.5 },
      ]);
    });

    it('sessions and use by person: refusals counted for the user of their session', async () => {
      expect(await runPanel('activity-by-person')).toEqual([
        {
          person: 'alice',
          sessions: 2,
          tool_calls: 11,
          allowed: 7,
          denied: 4,
          escalated: 6,
          tool_errors: 1,
          refusals: 1,
          tool_seconds: 0.67,
          first_seen: instant('09:00:00'),
          last_seen: instant('10:20:00'),
        },
        {
          person: 'bob',
          sessions: 1,
          tool_calls: 5,
          allowed: 3,
          denied: 2,
          escalated: 2,
          tool_errors: 0,
          refusals: 3,
          tool_seconds: 0.31,
          first_seen: instant('10:30:00'),
          last_seen: instant('11:10:00'),
        },
      ]);
    });

    it('verifier refusals by reason, and the latest refusals with hostile text made inert', async () => {
      expect(await runPanel('verifier-refusals-by-reason')).toEqual([
        { reason: 'arguments-changed', refusals: 2, sessions: 1 },
        { reason: 'bad-signature', refusals: 1, sessions: 1 },
        { reason: 'replayed', refusals: 1, sessions: 1 },
      ]);
      const rows = await runPanel('verifier-refusals');
      expect(
        rows.map((row) => [row['time'], row['person'], row['session_id'], row['tool'], row['reason']]),
      ).toEqual([
        [instant('11:10:00'), 'bob', 'b1', 'filesystem.write_file', 'arguments-changed'],
        [instant('11:05:00'), 'bob', 'b1', 'filesystem.write_file', 'replayed'],
        [instant('11:00:00'), 'bob', 'b1', 'filesystem.write_file', 'arguments-changed'],
        [instant('10:20:00'), 'alice', 'a2', 'git.git_push', 'bad-signature'],
      ]);
      expect(String(rows[1]?.['message'])).toHaveLength(300);
      const hostile = String(rows[3]?.['message']);
      for (const character of ['\u202e', '\u2066', '\u0007', '\u001b']) {
        expect(hostileRefusalMessage).toContain(character);
      }
      expect(hostile).toBe('the decision signature does not verify \ufffdtxt.exe\ufffd \ufffd\ufffd[2J');
    });

    it('the role reads and cannot write, even when it turns read-only transactions off', async () => {
      if (reader === undefined) throw new Error('the read-only role is not connected');
      expect(await errorCodeOf(reader, `DELETE FROM audit_records`)).toBe('25006');
      await reader.query('SET default_transaction_read_only = off');
      try {
        for (const statement of [
          `UPDATE audit_records SET decision = 'allow'`,
          `DELETE FROM audit_records`,
          `INSERT INTO audit_records SELECT * FROM audit_records LIMIT 1`,
          `TRUNCATE audit_records`,
          `CREATE TABLE "${schema}".planted (id int)`,
          `DROP TABLE audit_records`,
        ]) {
          expect([statement, await errorCodeOf(reader, statement)]).toEqual([statement, '42501']);
        }
      } finally {
        await reader.query('SET default_transaction_read_only = on');
      }
      const count = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".audit_records`);
      expect(count.rows[0].n).toBe(steps.length);
    });

    it('ran every query file of deploy/grafana/queries', async () => {
      const files = (await readdir(join(grafanaFolder, 'queries'))).filter((name) => name.endsWith('.sql'));
      expect([...ranPanels].sort()).toEqual(files.map((name) => name.replace(/\.sql$/, '')).sort());
    });
  },
);
