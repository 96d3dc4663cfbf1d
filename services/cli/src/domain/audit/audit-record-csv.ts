import type { AuditRecordValue } from '@ironcurtain/audit-trail';
import { terminalSafeJson } from '@ironcurtain/terminal-text';
import { csvRecord } from './csv-text.js';

/**
 * The columns of `audit query --format csv`, in order: the same set for every record, a field left empty where a
 * record's kind has no such value (an outcome has no arguments, a decision no duration).
 */
const recordColumns: ReadonlyArray<readonly [string, (record: AuditRecordValue) => string]> = [
  ['timestamp', (record) => record.timestamp],
  ['sessionId', (record) => record.sessionId],
  ['seq', (record) => String(record.seq)],
  ['requestId', (record) => record.requestId],
  ['kind', (record) => record.kind],
  ['userId', (record) => record.userId ?? ''],
  ['serverName', (record) => record.serverName],
  ['toolName', (record) => record.toolName],
  ['decision', (record) => record.policyDecision.status],
  ['rule', (record) => record.policyDecision.rule],
  ['reason', (record) => record.policyDecision.reason],
  ['escalationResult', (record) => (record.kind === 'decision' ? (record.escalationResult ?? '') : '')],
  ['approver', (record) => (record.kind === 'decision' ? (record.escalation?.approver ?? '') : '')],
  ['autoApproved', (record) => (record.kind === 'decision' ? flag(record.autoApproved) : '')],
  ['whitelistApproved', (record) => (record.kind === 'decision' ? flag(record.whitelistApproved) : '')],
  ['outcome', (record) => (record.kind === 'outcome' ? record.result.status : '')],
  ['error', errorOf],
  ['durationMs', (record) => (record.kind === 'outcome' ? String(record.durationMs) : '')],
  ['refusal', refusalOf],
  // The arguments as the trail holds them (canonical, redacted), as JSON: one column for any tool. Characters a
  // terminal could act on are JSON escapes (`\u001b`), so the cell is still the same JSON value.
  ['arguments', (record) => ('arguments' in record ? terminalSafeJson(record.arguments) : '')],
];

/** The names of the CSV columns, in order (the header row). */
export const auditCsvColumns: readonly string[] = recordColumns.map(([name]) => name);

/** The header row of the record CSV. */
export function formatRecordCsvHeader(): string {
  return csvRecord(auditCsvColumns);
}

/** One record as a CSV row under {@link formatRecordCsvHeader}: quoted, formula-guarded and terminal-safe. */
export function formatRecordCsv(record: AuditRecordValue): string {
  return csvRecord(recordColumns.map(([, cell]) => cell(record)));
}

function flag(value: boolean | undefined): string {
  return value === undefined ? '' : String(value);
}

/** What went wrong: an outcome's error, or the message of a refusal (the gateway's, or another person's session). */
function errorOf(record: AuditRecordValue): string {
  if (record.kind === 'outcome') return record.result.error ?? '';
  if (record.kind === 'verifier') return record.refusal.message;
  if (record.kind === 'access') return record.policyDecision.reason;
  return '';
}

/** Why a refusal was made: the gateway's reason, or `forbidden` with the caller for an access refusal. */
function refusalOf(record: AuditRecordValue): string {
  if (record.kind === 'verifier') return record.refusal.reason;
  if (record.kind === 'access') return `${record.outcome} to ${record.caller.role} ${record.caller.name}`;
  return '';
}
