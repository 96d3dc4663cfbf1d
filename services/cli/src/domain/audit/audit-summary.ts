import type { AuditRecordValue } from '@ironcurtain/audit-trail';
import { AppError } from '@ironcurtain/errors';

/** The most records `audit query --summary` reads: past it, the person is asked to narrow the filters. */
export const maxSummaryRecords = 1_000_000;

/** The error code of a summary refused for matching more than its bound of records. */
export const tooManyRecordsCode = 'TOO_MANY_RECORDS';

/** How the calls of one name (a tool, a user, a rule) were decided. */
export interface AuditSummaryRow {
  /** `server.tool`, the user id, or the rule; null for the calls of sessions without a user. */
  key: string | null;
  calls: number;
  allow: number;
  deny: number;
  escalate: number;
}

/** The names with the most calls (`top`, most first, ties by name), and how many names there were in all. */
export interface AuditSummaryGroup {
  distinct: number;
  top: AuditSummaryRow[];
}

/**
 * Counts over the records a filter matched. A tool call has one decision record, and an outcome record when it
 * ran, so the breakdowns count decision records (calls); outcomes and the gateway's refusals are counted apart.
 */
export interface AuditSummary {
  records: number;
  /** `verifier`: calls the gateway refused; `access`: requests for another person's session, refused. */
  kinds: { decision: number; outcome: number; verifier: number; access: number };
  /** The first and last timestamp among the records; absent when there are none. */
  from?: string;
  to?: string;
  /** Calls by final decision (an approved escalation is `allow`, a refused or expired one `deny`). */
  decisions: { allow: number; deny: number; escalate: number };
  /** Calls a person or the auto-approver answered. */
  escalations: { approved: number; denied: number };
  outcomes: { success: number; error: number };
  tools: AuditSummaryGroup;
  users: AuditSummaryGroup;
  rules: AuditSummaryGroup;
}

/**
 * Reads every record of `records` (the pages of a query) and counts them. Stops with a `TOO_MANY_RECORDS` error
 * at the record past `maxRecords`, so a summary's time and the reading it causes stay bounded.
 */
export async function summarizeAuditRecords(
  records: AsyncIterable<AuditRecordValue>,
  options: { top: number; maxRecords?: number },
): Promise<AuditSummary> {
  const maxRecords = options.maxRecords ?? maxSummaryRecords;
  const counts = emptyCounts();
  for await (const record of records) {
    if (counts.records === maxRecords) throw tooManyRecords(maxRecords);
    count(counts, record);
  }
  const { tools, users, rules, ...totals } = counts;
  return {
    ...totals,
    tools: topOf(tools, options.top),
    users: topOf(users, options.top),
    rules: topOf(rules, options.top),
  };
}

type Counts = Omit<AuditSummary, 'tools' | 'users' | 'rules'> & {
  tools: Map<string | null, AuditSummaryRow>;
  users: Map<string | null, AuditSummaryRow>;
  rules: Map<string | null, AuditSummaryRow>;
};

function emptyCounts(): Counts {
  return {
    records: 0,
    kinds: { decision: 0, outcome: 0, verifier: 0, access: 0 },
    decisions: { allow: 0, deny: 0, escalate: 0 },
    escalations: { approved: 0, denied: 0 },
    outcomes: { success: 0, error: 0 },
    tools: new Map(),
    users: new Map(),
    rules: new Map(),
  };
}

function count(counts: Counts, record: AuditRecordValue): void {
  counts.records += 1;
  counts.kinds[record.kind] += 1;
  // Compared as times: a timestamp may carry an offset other than `Z`, and then its text does not sort.
  const time = Date.parse(record.timestamp);
  if (counts.from === undefined || time < Date.parse(counts.from)) counts.from = record.timestamp;
  if (counts.to === undefined || time > Date.parse(counts.to)) counts.to = record.timestamp;
  if (record.kind === 'outcome') counts.outcomes[record.result.status] += 1;
  if (record.kind !== 'decision') return;
  const status = record.policyDecision.status;
  counts.decisions[status] += 1;
  if (record.escalationResult !== undefined) counts.escalations[record.escalationResult] += 1;
  addCall(counts.tools, `${record.serverName}.${record.toolName}`, status);
  addCall(counts.users, record.userId ?? null, status);
  addCall(counts.rules, record.policyDecision.rule, status);
}

function addCall(
  group: Map<string | null, AuditSummaryRow>,
  key: string | null,
  status: 'allow' | 'deny' | 'escalate',
) {
  const row = group.get(key) ?? { key, calls: 0, allow: 0, deny: 0, escalate: 0 };
  row.calls += 1;
  row[status] += 1;
  group.set(key, row);
}

function topOf(group: Map<string | null, AuditSummaryRow>, top: number): AuditSummaryGroup {
  const rows = [...group.values()].sort(
    (left, right) => right.calls - left.calls || compareKeys(left.key, right.key),
  );
  return { distinct: rows.length, top: rows.slice(0, top) };
}

/** Names in code-point order, the calls without a name last. */
function compareKeys(left: string | null, right: string | null): number {
  if (left === right) return 0;
  if (left === null) return 1;
  if (right === null) return -1;
  return left < right ? -1 : 1;
}

function tooManyRecords(maxRecords: number): AppError {
  return new AppError(
    tooManyRecordsCode,
    `more than ${maxRecords.toLocaleString('en-US')} records match: a summary reads at most that many. Narrow the ` +
      'query with --since/--until, --session, --user or --decision',
  );
}
