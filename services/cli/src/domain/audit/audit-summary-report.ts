import { terminalSafe, terminalSafeJson } from '@ironcurtain/terminal-text';
import { csvRecord } from './csv-text.js';
import type { AuditSummary, AuditSummaryGroup, AuditSummaryRow } from './audit-summary.js';

/** How the breakdowns are named in every format. */
const groups = [
  { name: 'tool', heading: 'TOOL', pick: (summary: AuditSummary) => summary.tools },
  { name: 'user', heading: 'USER', pick: (summary: AuditSummary) => summary.users },
  { name: 'rule', heading: 'RULE', pick: (summary: AuditSummary) => summary.rules },
] as const;

/** The widest a name is shown in the table; a longer one is cut visibly. */
const maxKeyWidth = 60;
const noUser = '(no user)';

/** The summary for a person: totals, then the calls by decision, tool, user and rule. Every name is terminal-safe. */
export function formatSummaryTable(summary: AuditSummary): string {
  const { kinds, outcomes, decisions, escalations } = summary;
  const refusals = `${kinds.verifier} refused by the gateway, ${kinds.access} access refusals`;
  const lines = [
    `records: ${summary.records} (${kinds.decision} decisions, ${kinds.outcome} outcomes, ${refusals})`,
  ];
  if (summary.from !== undefined) lines.push(`from ${summary.from} to ${summary.to ?? summary.from}`);
  lines.push(
    `outcomes: ${outcomes.success} success, ${outcomes.error} error`,
    `escalations answered: ${escalations.approved} approved, ${escalations.denied} denied`,
    '',
    ...alignedRows(
      ['DECISION', 'CALLS'],
      (['allow', 'deny', 'escalate'] as const).map((status) => [status, String(decisions[status])]),
    ),
  );
  for (const group of groups) {
    lines.push('', ...groupLines(group.heading, group.pick(summary)));
  }
  return `${lines.join('\n')}\n`;
}

function groupLines(heading: string, group: AuditSummaryGroup): string[] {
  const title = `${heading} (top ${group.top.length} of ${group.distinct})`;
  const rows = group.top.map((row) => [
    row.key === null ? noUser : terminalSafe(row.key, { maxLength: maxKeyWidth }),
    ...[row.calls, row.allow, row.deny, row.escalate].map(String),
  ]);
  return alignedRows([title, 'CALLS', 'ALLOW', 'DENY', 'ESCALATE'], rows);
}

/** The header and rows with the first column padded and the counts right-aligned, each as wide as its widest cell. */
function alignedRows(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, column) =>
    Math.max(...all.map((row) => Array.from(row[column] ?? '').length)),
  );
  return all.map((row) =>
    row
      .map((cell, column) => {
        const padding = ' '.repeat((widths[column] ?? 0) - Array.from(cell).length);
        return column === 0 ? `${cell}${padding}` : `${padding}${cell}`;
      })
      .join('  ')
      .trimEnd(),
  );
}

/** The summary as one line of JSON, the same value, safe to show in a terminal. */
export function formatSummaryJson(summary: AuditSummary): string {
  return `${terminalSafeJson(summary)}\n`;
}

/** The header of the summary CSV: one row per count, `group` naming what is counted. */
export const summaryCsvColumns = ['group', 'key', 'count', 'allow', 'deny', 'escalate'] as const;

/**
 * The summary as CSV rows under {@link summaryCsvColumns}: `records` (`all` and each kind), `decision`, `outcome`,
 * `escalation`, `distinct` (how many tools, users and rules there were), then the top `tool`, `user` and `rule`
 * rows with their calls by decision. A user key is empty for the calls of sessions without a user.
 */
export function formatSummaryCsv(summary: AuditSummary): string {
  const count = (group: string, key: string, value: number) => [group, key, String(value), '', '', ''];
  const rows: string[][] = [
    [...summaryCsvColumns],
    count('records', 'all', summary.records),
    ...Object.entries(summary.kinds).map(([kind, value]) => count('records', kind, value)),
    ...Object.entries(summary.decisions).map(([status, value]) => count('decision', status, value)),
    ...Object.entries(summary.outcomes).map(([status, value]) => count('outcome', status, value)),
    ...Object.entries(summary.escalations).map(([result, value]) => count('escalation', result, value)),
    ...groups.map((group) => count('distinct', group.name, group.pick(summary).distinct)),
  ];
  for (const group of groups) {
    for (const row of group.pick(summary).top) rows.push(callsRow(group.name, row));
  }
  return rows.map(csvRecord).join('');
}

function callsRow(group: string, row: AuditSummaryRow): string[] {
  return [group, row.key ?? '', ...[row.calls, row.allow, row.deny, row.escalate].map(String)];
}
