import type { Command } from 'commander';
import type { AuditFilterValue, AuditRecordValue } from '@ironcurtain/audit-trail';
import { request, type Bus } from '@ironcurtain/bus';
import { ErrorCode, errorCodeOf } from '@ironcurtain/errors';
import { AuditQuery } from '@ironcurtain/proto-schemas';
import type { CliContext } from '../../cli-context.js';
import { formatRecordCsv, formatRecordCsvHeader } from '../../domain/audit/audit-record-csv.js';
import { createRecordTable, formatRecordJson } from '../../domain/audit/audit-report.js';
import { maxSummaryRecords, summarizeAuditRecords } from '../../domain/audit/audit-summary.js';
import {
  formatSummaryCsv,
  formatSummaryJson,
  formatSummaryTable,
} from '../../domain/audit/audit-summary-report.js';
import { resolveCliNats } from '../../domain/cli-nats.js';
import {
  filterOf,
  queryOutputOf,
  withFilterOptions,
  type AuditOutputFormat,
  type AuditQueryOptions,
} from './audit-options.js';
import { homeOf } from '../policy/policy-options.js';
import { connectCliBus } from '../../domain/cli-bus.js';

const pageSize = 1000;

/** `ironcurtain audit query`: records matching filters, oldest first, as a table, JSON lines or CSV; or a summary. */
export function registerAuditQueryCommand(audit: Command, context: CliContext): void {
  const command = audit
    .command('query')
    .description(
      'list audit records across sessions by session, user, decision, server, tool, rule and time, oldest ' +
        'first, or count them (--summary) (audit.query.v1: from PostgreSQL when the audit-writer has it, else ' +
        'from the trail files)',
    )
    .option(
      '--format <format>',
      'table (default), json (one record per line) or csv (RFC 4180, with a header)',
    )
    .option('--limit <n>', 'at most this many records (default 100)')
    .option('--newest-first', 'newest records first')
    .option(
      '--summary',
      `count the matching records by decision, tool, user and rule instead of listing them (all of them, up to ${maxSummaryRecords.toLocaleString('en-US')})`,
    )
    .option('--top <n>', 'with --summary: how many tools, users and rules to show (default 10)');
  withFilterOptions(command).action(async (options: AuditQueryOptions) => {
    // A bad value or a clash of options is the caller's mistake: exit code 2, with the option named, before any
    // connection is made.
    let output: ReturnType<typeof queryOutputOf>;
    let filter: AuditFilterValue;
    try {
      output = queryOutputOf(options);
      filter = filterOf(options, new Date());
    } catch (error) {
      if (errorCodeOf(error) !== ErrorCode.ConfigInvalid) throw error;
      context.stderr.write(`ironcurtain: ${(error as Error).message}\n`);
      context.setExitCode(2);
      return;
    }
    const bus = await connectCli(context);
    try {
      if (output.kind === 'summary') {
        // One past the bound is asked for, so that a summary over too many records is refused, not cut short.
        const records = queryPages(bus, filter, 'asc', maxSummaryRecords + 1);
        await printSummary(context, output.format, records, output.top);
      } else {
        const records = queryPages(bus, filter, output.order, output.limit);
        const printed = await printRecords(context, output.format, records);
        if (output.format === 'table' && printed === 0) context.stderr.write('no matching records\n');
      }
      context.setExitCode(0);
    } finally {
      await bus.close();
    }
  });
}

async function printSummary(
  context: CliContext,
  format: AuditOutputFormat,
  records: AsyncIterable<AuditRecordValue>,
  top: number,
): Promise<void> {
  const summary = await summarizeAuditRecords(records, { top });
  const formatted = { table: formatSummaryTable, json: formatSummaryJson, csv: formatSummaryCsv }[format];
  context.stdout.write(formatted(summary));
}

async function printRecords(
  context: CliContext,
  format: AuditOutputFormat,
  records: AsyncIterable<AuditRecordValue>,
): Promise<number> {
  if (format === 'table') return printTable(context, records);
  if (format === 'csv') context.stdout.write(formatRecordCsvHeader());
  const formatted = format === 'csv' ? formatRecordCsv : formatRecordJson;
  let printed = 0;
  // JSON lines and CSV rows as the records come: neither needs the others to be laid out.
  for await (const record of records) {
    context.stdout.write(formatted(record));
    printed += 1;
  }
  return printed;
}

/** The table, once every record is in: its columns are as wide as their contents. */
async function printTable(context: CliContext, records: AsyncIterable<AuditRecordValue>): Promise<number> {
  const all: AuditRecordValue[] = [];
  for await (const record of records) all.push(record);
  const table = createRecordTable(all);
  context.stdout.write(table.header);
  for (const record of all) context.stdout.write(table.row(record));
  return all.length;
}

/** Connects to the stack's NATS as the CLI. */
export async function connectCli(context: CliContext): Promise<Bus> {
  const settings = await resolveCliNats(context.env, homeOf(context));
  return connectCliBus(settings);
}

/** The records of a query, page after page, until `limit` or the end. */
export async function* queryPages(bus: Bus, filter: AuditFilterValue, order: 'asc' | 'desc', limit: number) {
  let cursor: string | undefined;
  let remaining = limit;
  while (remaining > 0) {
    const reply = await request(
      bus,
      AuditQuery,
      { ...filter, order, limit: Math.min(pageSize, remaining), ...(cursor === undefined ? {} : { cursor }) },
      { timeoutMs: 30_000 },
    );
    yield* reply.records;
    remaining -= reply.records.length;
    if (!reply.hasMore || reply.nextCursor === undefined) return;
    cursor = reply.nextCursor;
  }
}
