import type { Command } from 'commander';
import { createAuditRecordMatcher, type AuditRecordValue } from '@ironcurtain/audit-trail';
import { subscribe } from '@ironcurtain/bus';
import { AuditRecordEvent } from '@ironcurtain/proto-schemas';
import type { CliContext } from '../../cli-context.js';
import { createRecordTable, formatRecordJson, type RecordTable } from '../../domain/audit/audit-report.js';
import { connectCli, queryPages } from './audit-query.js';
import { countOption, filterOf, withFilterOptions, type AuditFilterOptions } from './audit-options.js';

interface TailOptions extends AuditFilterOptions {
  lines: number;
  follow?: boolean;
}

/** `ironcurtain audit tail [-f]`: the latest records across sessions, then (with -f) each new one as it is written. */
export function registerAuditTailCommand(audit: Command, context: CliContext): void {
  const command = audit
    .command('tail')
    .description(
      'print the latest audit records across sessions; with -f keep printing decisions and outcomes as the ' +
        'audit-writer puts them on disk (audit.evt.record.v1), until Ctrl-C',
    )
    .option('-n, --lines <n>', 'how many of the latest records to print first (default 10)', (text) =>
      countOption('--lines', text),
    )
    .option('-f, --follow', 'keep following new records');
  withFilterOptions(command).action(async (options: TailOptions) => {
    const filter = filterOf(options, new Date());
    let table: RecordTable | undefined;
    const print = (record: AuditRecordValue) =>
      context.stdout.write(table === undefined ? formatRecordJson(record) : table.row(record));
    const bus = await connectCli(context);
    // Subscribed before the first query, so nothing written in between is missed; shown once each.
    const shown = new Set<string>();
    const arrived: AuditRecordValue[] = [];
    let isLive = false;
    const matches = createAuditRecordMatcher(filter);
    const showOnce = (record: AuditRecordValue) => {
      const key = `${record.sessionId}#${record.seq}`;
      if (shown.has(key) || !matches(record)) return;
      // Only records from before going live can come twice (query and event); a long -f stays small.
      if (!isLive) shown.add(key);
      print(record);
    };
    const subscription =
      options.follow === true
        ? subscribe(
            bus,
            AuditRecordEvent,
            ({ record }) => void (isLive ? showOnce(record) : arrived.push(record)),
          )
        : undefined;
    await bus.connection.flush();
    const latest: AuditRecordValue[] = [];
    for await (const record of queryPages(bus, filter, 'desc', options.lines ?? 10)) latest.push(record);
    if (options.json !== true) {
      // Sized by the latest records; with -f at least the typical widths, as later rows cannot be measured.
      table = createRecordTable(latest, { isFollowing: options.follow === true });
      context.stdout.write(table.header);
    }
    for (const record of latest.reverse()) showOnce(record);
    if (subscription === undefined) {
      await bus.close();
      context.setExitCode(0);
      return;
    }
    for (const record of arrived) showOnce(record);
    isLive = true;
    await new Promise<void>((resolve) => {
      context.onSignal('SIGINT', resolve);
      context.onSignal('SIGTERM', resolve);
    });
    subscription.unsubscribe();
    await bus.close();
    context.setExitCode(0);
  });
}
