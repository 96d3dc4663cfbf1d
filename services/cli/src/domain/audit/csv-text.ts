import { escapeCharacter, isUnsafeCharacter } from '@ironcurtain/terminal-text';

/**
 * The first characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as a formula, or as
 * the start of one: `=`, `+`, `-`, `@`, and tab and carriage return, which some of them skip before looking.
 */
const formulaStarts = new Set(['=', '+', '-', '@', '\t', '\r']);

/**
 * `value` as one field of an RFC 4180 record, safe twice over:
 * - for a spreadsheet: a value that starts like a formula is prefixed with `'`, so it is shown as the text it is and
 *   never evaluated (audit records carry what the agent chose: file names, arguments, user ids, tool errors);
 * - for a terminal: every character `@ironcurtain/terminal-text` calls unsafe (C0 and C1 controls, escape
 *   sequences, bidi and invisible characters) is written as its visible escape (`\x1b`, `\u202e`). The line feed is
 *   kept: a field may span lines.
 *
 * Then the field is quoted when it holds a comma, a double quote or a line feed, with its quotes doubled.
 */
export function csvField(value: string): string {
  const guarded = formulaStarts.has(value.charAt(0)) ? `'${value}` : value;
  const shown = Array.from(guarded, (character) =>
    character !== '\n' && isUnsafeCharacter(character) ? escapeCharacter(character) : character,
  ).join('');
  return /[",\n]/.test(shown) ? `"${shown.replaceAll('"', '""')}"` : shown;
}

/**
 * One CSV record: its fields joined with commas, ended by a line feed. RFC 4180 ends records with CRLF; the CLI's
 * output never carries a raw carriage return (see `src/domain/safe-output.ts`), and every common reader accepts LF.
 */
export function csvRecord(values: readonly string[]): string {
  return `${values.map(csvField).join(',')}\n`;
}
