import type { Command } from 'commander';
import type { AuditFilterValue } from '@ironcurtain/audit-trail';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { AuditFilter } from '@ironcurtain/proto-schemas';
import { parseTimeOption } from '../domain/audit/audit-time.js';

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
    .option('--kind <kind>', 'only decision or outcome records')
    .option('--since <time>', 'from this time on: ISO-8601, or an age like 15m, 2h, 7d')
    .option('--until <time>', 'before this time: ISO-8601, or an age')
    .option('--json', 'print JSON lines (one record per line) instead of a table');
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
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const option = optionNames[String(issue?.path[0])] ?? String(issue?.path[0]);
  throw new AppError(ErrorCode.ConfigInvalid, `${option}: ${issue?.message ?? 'invalid'}`);
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
