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

const columns = [
  ['TIME', 24],
  ['SESSION', 14],
  ['SEQ', 6],
  ['KIND', 9],
  ['TOOL', 26],
  ['DECISION', 9],
  ['RULE', 28],
] as const;

/** The header of the record table. Columns have fixed widths, so `tail -f` can print rows as they come. */
export function formatRecordHeader(): string {
  return `${columns.map(([name, width]) => name.padEnd(width)).join(' ')} RESULT\n`;
}

/** One record as a table row; an outcome shows its result and duration, a decision its escalation. */
export function formatRecordRow(record: AuditRecordValue): string {
  const cells = [
    record.timestamp,
    record.sessionId,
    String(record.seq),
    record.kind,
    `${record.serverName}.${record.toolName}`,
    record.policyDecision.status,
    record.policyDecision.rule,
  ];
  // Records carry text that came from the agent or a tool: every cell goes through the terminal-safety layer, so
  // escapes, C1 controls, bidi and invisible characters are shown, not sent; a long result is shortened visibly.
  const row = cells
    .map((cell, index) => terminalSafe(cell, { maxLength: 200 }).padEnd(columns[index]?.[1] ?? 0))
    .join(' ');
  return `${row} ${terminalSafe(resultOf(record), { maxLength: maxResultLength })}\n`;
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
  if (record.escalationResult === undefined) return '';
  const by = record.escalation?.approver === undefined ? '' : ` by ${record.escalation.approver}`;
  return `escalation ${record.escalationResult}${by}`;
}
