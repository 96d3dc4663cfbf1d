import type { AuditRecordValue } from '@ironcurtain/audit-trail';
import { terminalSafe, terminalSafeJson, terminalSafeText } from '@ironcurtain/terminal-text';
import type { TrailVerdict } from './audit-trail-files.js';

/** One trail's verdict in words: `OK …` or `BROKEN …`, then notes. */
export function formatTrailVerdict(verdict: TrailVerdict): string {
  const lines: string[] = [];
  if (verdict.isValid) {
    const head =
      verdict.lastSeq === undefined
        ? 'empty'
        : `seq 0-${verdict.lastSeq}, head ${verdict.headHash?.slice(0, 16)}…`;
    lines.push(
      `OK      ${verdict.trail}: ${verdict.records} record${verdict.records === 1 ? '' : 's'}, ${head}`,
    );
  } else {
    const where = verdict.line === undefined ? '' : ` (line ${verdict.line})`;
    lines.push(
      `BROKEN  ${verdict.trail}: first bad seq ${verdict.firstBadSeq ?? '?'}${where}, ${verdict.tampering ?? 'damaged'}: ` +
        `${verdict.problem ?? 'the chain does not hold'}; ${verdict.records} record${verdict.records === 1 ? '' : 's'} before it are intact`,
    );
  }
  if (verdict.hasTornTail) {
    lines.push(
      '        note: the last line is an unfinished write (a crash); the writer sets it aside when it next opens this trail',
    );
  }
  for (const name of verdict.setAside) lines.push(`        note: torn tail set aside earlier: ${name}`);
  // File names and problems can quote a damaged trail: shown terminal-safe.
  return `${terminalSafeText(lines.join('\n'))}\n`;
}

/**
 * The columns of the record table: the header, the cell of a record, the width a column takes when following new
 * records (`tail -f`, whose later rows cannot be measured beforehand) and the widest it may grow; a longer cell is
 * cut with `…`. The last column, RESULT, is not padded and is cut with its count of characters left out.
 */
const columns: readonly RecordColumn[] = [
  { name: 'TIME', typicalWidth: 24, maxWidth: 30, cell: (record) => record.timestamp },
  // Session ids are `20261124-120000-3f9a0c` (22) from the orchestrator; UUIDs (36) from other callers.
  { name: 'SESSION', typicalWidth: 22, maxWidth: 40, cell: (record) => record.sessionId },
  { name: 'SEQ', typicalWidth: 6, maxWidth: 12, cell: (record) => String(record.seq) },
  { name: 'KIND', typicalWidth: 8, maxWidth: 12, cell: (record) => record.kind },
  {
    name: 'TOOL',
    typicalWidth: 26,
    maxWidth: 48,
    cell: (record) => `${record.serverName}.${record.toolName}`,
  },
  { name: 'DECISION', typicalWidth: 8, maxWidth: 12, cell: (record) => record.policyDecision.status },
  { name: 'RULE', typicalWidth: 28, maxWidth: 48, cell: (record) => record.policyDecision.rule },
];

interface RecordColumn {
  readonly name: string;
  readonly typicalWidth: number;
  readonly maxWidth: number;
  readonly cell: (record: AuditRecordValue) => string;
}

/** A record table whose column widths are set: its header line and the row of any record. */
export interface RecordTable {
  readonly header: string;
  row(record: AuditRecordValue): string;
}

/**
 * The record table for `records`: each column as wide as its widest cell (and its header), at most its maximum,
 * so long session ids and rule names neither overflow into the next column nor leave short ones spread out. With
 * `isFollowing` (rows still to come), each column is at least its typical width. Cells are measured as shown:
 * terminal-safe, escapes counted as the characters they are written with.
 */
export function createRecordTable(
  records: readonly AuditRecordValue[],
  options: { isFollowing?: boolean } = {},
): RecordTable {
  const widths = columns.map((column) => {
    const least = Math.max(column.name.length, options.isFollowing === true ? column.typicalWidth : 0);
    const widest = records.reduce(
      (width, record) => Math.max(width, shownLength(cellOf(column, record))),
      least,
    );
    return Math.min(widest, column.maxWidth);
  });
  const line = (cells: readonly string[], last: string) =>
    `${`${cells.map((cell, index) => fitted(cell, widths[index] ?? 0)).join(' ')} ${last}`.trimEnd()}\n`;
  return {
    header: line(
      columns.map((column) => column.name),
      'RESULT',
    ),
    // Records carry text that came from the agent or a tool: every cell goes through the terminal-safety layer, so
    // escapes, C1 controls, bidi and invisible characters are shown, not sent; a long result is shortened visibly.
    row: (record) =>
      line(
        columns.map((column) => cellOf(column, record)),
        terminalSafe(resultOf(record), { maxLength: maxResultLength }),
      ),
  };
}

/** A cell made terminal-safe; past a length no column reaches, cut (the column cuts it again, visibly). */
function cellOf(column: RecordColumn, record: AuditRecordValue): string {
  return terminalSafe(column.cell(record), { maxLength: column.maxWidth + 1 });
}

/** `text` padded to `width` characters, or cut to them with a final `…`. */
function fitted(text: string, width: number): string {
  const characters = Array.from(text);
  if (characters.length <= width) return `${text}${' '.repeat(width - characters.length)}`;
  return `${characters.slice(0, Math.max(0, width - 1)).join('')}…`;
}

function shownLength(text: string): number {
  return Array.from(text).length;
}

/** One record as a JSON line that is the same JSON and safe to show in a terminal (`--json`). */
export function formatRecordJson(record: AuditRecordValue): string {
  return `${terminalSafeJson(record)}\n`;
}

const maxResultLength = 300;

function resultOf(record: AuditRecordValue): string {
  if (record.kind === 'outcome') {
    const error = record.result.error === undefined ? '' : `: ${record.result.error}`;
    return `${record.result.status} in ${record.durationMs} ms${error}`;
  }
  if (record.kind === 'verifier') return `refused at the gateway: ${record.refusal.reason}`;
  if (record.kind === 'access') return `${record.outcome}: ${record.caller.role} ${record.caller.name}`;
  if (record.escalationResult === undefined) return '';
  const by = record.escalation?.approver === undefined ? '' : ` by ${record.escalation.approver}`;
  return `escalation ${record.escalationResult}${by}`;
}
