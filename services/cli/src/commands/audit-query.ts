import type { Command } from 'commander';
import type { AuditFilterValue, AuditRecordValue } from '@ironcurtain/audit-trail';
import { request, type Bus } from '@ironcurtain/bus';
import { AuditQuery } from '@ironcurtain/proto-schemas';
import type { CliContext } from '../cli-context.js';
import { createRecordTable, formatRecordJson } from '../domain/audit/audit-report.js';
import { resolveCliNats } from '../domain/cli-nats.js';
import { countOption, filterOf, withFilterOptions, type AuditFilterOptions } from './audit-options.js';
import { homeOf } from './policy-options.js';
import { connectCliBus } from '../domain/cli-bus.js';

const pageSize = 1000;

/** `ironcurtain audit query`: records matching filters, oldest first, as a table or JSON lines. */
export function registerAuditQueryCommand(audit: Command, context: CliContext): void {
  const command = audit
    .command('query')
    .description(
      'list audit records across sessions by session, user, decision, server, tool, rule and time, oldest ' +
        'first (audit.query.v1: from PostgreSQL when the audit-writer has it, else from the trail files)',
    )
    .option(
      '--limit <n>',
      'at most this many records (default 100)',
      (text) => countOption('--limit', text),
      100,
    )
    .option('--newest-first', 'newest records first');
  withFilterOptions(command).action(
    async (options: AuditFilterOptions & { limit: number; newestFirst?: boolean }) => {
      const filter = filterOf(options, new Date());
      const bus = await connectCli(context);
      try {
        const order = options.newestFirst === true ? 'desc' : 'asc';
        const records = queryPages(bus, filter, order, options.limit);
        const printed =
          options.json === true ? await printJson(context, records) : await printTable(context, records);
        if (options.json !== true && printed === 0) context.stderr.write('no matching records\n');
        context.setExitCode(0);
      } finally {
        await bus.close();
      }
    },
  );
}

/** JSON lines as the records come (unchanged by the table's layout). */
async function printJson(context: CliContext, records: AsyncIterable<AuditRecordValue>): Promise<number> {
  let printed = 0;
  for await (const record of records) {
    context.stdout.write(formatRecordJson(record));
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
