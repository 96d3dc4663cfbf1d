import type { Command } from 'commander';
import type { AuditFilterValue } from '@ironcurtain/audit-trail';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { AuditFilter } from '@ironcurtain/proto-schemas';
import { parseTimeOption } from '../../domain/audit/audit-time.js';

/** The filter options as commander hands them over. */
export interface AuditFilterOptions {
  session?: string;
  user?: string;
  decision?: string;
  server?: string;
  tool?: string;
  rule?: string;
  kind?: string;
  since?: string;
  until?: string;
  json?: boolean;
}

/** Adds the filter options shared by `audit query` and `audit tail`. */
export function withFilterOptions(command: Command): Command {
  return command
    .option('--session <id>', 'only this session')
    .option('--user <id>', 'only sessions of this user')
    .option('--decision <decision>', 'only allow, deny or escalate (the final decision)')
    .option('--server <name>', 'only this MCP server')
    .option('--tool <name>', 'only this tool')
    .option('--rule <id>', 'only decisions by this rule')
    .option('--kind <kind>', 'only decision, outcome, verifier (refused by the gateway) or access records')
    .option('--since <time>', 'from this time on: ISO-8601, or an age like 15m, 2h, 7d')
    .option('--until <time>', 'before this time: ISO-8601, or an age')
    .option('--json', 'print JSON lines (one record per line) instead of a table (in query: --format json)');
}

/** The options as an `audit.query.v1` filter; a bad value names its option. */
export function filterOf(options: AuditFilterOptions, now: Date): AuditFilterValue {
  const candidate = {
    sessionId: options.session,
    userId: options.user,
    decision: options.decision,
    serverName: options.server,
    toolName: options.tool,
    rule: options.rule,
    kind: options.kind,
    since: options.since === undefined ? undefined : parseTimeOption('--since', options.since, now),
    until: options.until === undefined ? undefined : parseTimeOption('--until', options.until, now),
  };
  const parsed = AuditFilter.safeParse(candidate);
  if (parsed.success) return checkedTimeRange(parsed.data, options);
  const issue = parsed.error.issues[0];
  const option = optionNames[String(issue?.path[0])] ?? String(issue?.path[0]);
  throw new AppError(ErrorCode.ConfigInvalid, `${option}: ${issue?.message ?? 'invalid'}`);
}

/** A range no record can fall in (`--since` at or after `--until`) is a mistake, not an empty answer. */
function checkedTimeRange(filter: AuditFilterValue, options: AuditFilterOptions): AuditFilterValue {
  if (filter.since === undefined || filter.until === undefined) return filter;
  if (Date.parse(filter.since) < Date.parse(filter.until)) return filter;
  throw new AppError(
    ErrorCode.ConfigInvalid,
    `--since ${JSON.stringify(options.since)} (${filter.since}) is not before --until ` +
      `${JSON.stringify(options.until)} (${filter.until}): records are taken from --since up to, not including, ` +
      '--until; give the earlier time to --since',
  );
}

const optionNames: Record<string, string> = {
  sessionId: '--session',
  userId: '--user',
  decision: '--decision',
  serverName: '--server',
  toolName: '--tool',
  rule: '--rule',
  kind: '--kind',
};

/** A positive whole number option (`--limit`, `--lines`). */
export function countOption(option: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${option} ${JSON.stringify(text)} must be a whole number of 1 or more`,
    );
  }
  return value;
}

/** What `audit query` prints its answer as. */
export type AuditOutputFormat = 'table' | 'json' | 'csv';

const outputFormats: readonly AuditOutputFormat[] = ['table', 'json', 'csv'];

/** The options of `audit query` beyond the filters, as commander hands them over (values unchecked). */
export interface AuditQueryOptions extends AuditFilterOptions {
  format?: string;
  summary?: boolean;
  top?: string;
  limit?: string;
  newestFirst?: boolean;
}

/** What `audit query` was asked to print: records (at most `limit`, in `order`), or a summary of all of them. */
export type AuditQueryOutput =
  | { kind: 'records'; format: AuditOutputFormat; limit: number; order: 'asc' | 'desc' }
  | { kind: 'summary'; format: AuditOutputFormat; top: number };

/**
 * The output options of `audit query`, checked: a bad value, or options that do not go together, name themselves
 * (`CONFIG_INVALID`, exit code 2). `--json` is `--format json`.
 */
export function queryOutputOf(options: AuditQueryOptions): AuditQueryOutput {
  const format = formatOf(options);
  if (options.summary !== true) {
    if (options.top !== undefined) throw usageError('--top goes with --summary (the top N of each count)');
    const limit = options.limit === undefined ? 100 : countOption('--limit', options.limit);
    return { kind: 'records', format, limit, order: options.newestFirst === true ? 'desc' : 'asc' };
  }
  for (const [option, isGiven] of [
    ['--limit', options.limit !== undefined],
    ['--newest-first', options.newestFirst === true],
  ] as const) {
    if (isGiven) throw usageError(`--summary counts every matching record: leave out ${option}`);
  }
  return { kind: 'summary', format, top: options.top === undefined ? 10 : countOption('--top', options.top) };
}

function formatOf(options: AuditQueryOptions): AuditOutputFormat {
  if (options.format === undefined) return options.json === true ? 'json' : 'table';
  const format = outputFormats.find((name) => name === options.format);
  if (format === undefined) {
    throw usageError(`--format ${JSON.stringify(options.format)} is not a format: give table, json or csv`);
  }
  if (options.json === true && format !== 'json') {
    throw usageError(`--json is --format json: give one of --json and --format ${format}`);
  }
  return format;
}

function usageError(message: string): AppError {
  return new AppError(ErrorCode.ConfigInvalid, message);
}
