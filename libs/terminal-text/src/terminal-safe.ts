import { escapeCharacter, isUnsafeCharacter, unsafeCharacters } from './unsafe-characters.js';

/** How {@link terminalSafe} shows one value. */
export interface TerminalSafeOptions {
  /**
   * At most this many characters are shown (escapes count as the characters they are written with); the rest is
   * replaced by `… (N more characters)`, N counted in the original text. Unlimited when absent.
   */
  readonly maxLength?: number;
}

/**
 * One line that is safe to write to a terminal: every control character (C0 including newline and tab, DEL, C1),
 * and so every escape sequence, every bidi control and every invisible format character is shown as a visible
 * escape (`\x1b`, `\n`, `\u202e`, `\u{e0041}`) instead of being sent. The rest of the text is unchanged.
 */
export function terminalSafe(text: string, options: TerminalSafeOptions = {}): string {
  const { maxLength } = options;
  if (maxLength === undefined) return text.replace(unsafeCharacters, escapeCharacter);
  let shown = '';
  let shownLength = 0;
  let consumed = 0;
  const characters = Array.from(text);
  for (const character of characters) {
    const isUnsafe = isUnsafeCharacter(character);
    const piece = isUnsafe ? escapeCharacter(character) : character;
    const pieceLength = isUnsafe ? piece.length : 1;
    if (shownLength + pieceLength > maxLength) break;
    shown += piece;
    shownLength += pieceLength;
    consumed += 1;
  }
  const cut = characters.length - consumed;
  return cut === 0 ? shown : `${shown}${moreCharacters(cut)}`;
}

/** How {@link terminalSafeLines} shows a text of several lines. */
export interface TerminalSafeLinesOptions {
  /** Longer lines are cut visibly, as with {@link TerminalSafeOptions.maxLength}. Unlimited when absent. */
  readonly maxLineLength?: number;
  /** Only the first this many lines are returned; `hiddenLines` says how many more there are. */
  readonly maxLines?: number;
  /** A tab becomes spaces up to the next multiple of this (default 4), so the screen shows what was meant. */
  readonly tabWidth?: number;
}

/** A multi-line text made safe line by line. */
export interface TerminalSafeLines {
  /** The lines shown, each safe on its own (no newline inside). */
  readonly lines: string[];
  /** How many lines the text has (a final newline does not start another one). */
  readonly totalLines: number;
  /** How many of them are not in `lines` (0 unless `maxLines` cut the text). */
  readonly hiddenLines: number;
}

/**
 * Splits `text` at its newlines (`\n` or `\r\n`) and makes each line safe with {@link terminalSafe}: tabs become
 * spaces, every other control or invisible character a visible escape (a lone `\r` shows as `\r`).
 */
export function terminalSafeLines(text: string, options: TerminalSafeLinesOptions = {}): TerminalSafeLines {
  const rawLines = text.split(/\r?\n/);
  if (rawLines.length > 1 && rawLines.at(-1) === '') rawLines.pop();
  const kept = options.maxLines === undefined ? rawLines : rawLines.slice(0, Math.max(0, options.maxLines));
  const tabWidth = Math.max(1, Math.floor(options.tabWidth ?? 4));
  const lines = kept.map((line) =>
    terminalSafe(expandTabs(line, tabWidth), {
      ...(options.maxLineLength === undefined ? {} : { maxLength: options.maxLineLength }),
    }),
  );
  return { lines, totalLines: rawLines.length, hiddenLines: rawLines.length - kept.length };
}

/**
 * A multi-line text safe to write to a terminal: {@link terminalSafeLines} joined with `\n`, followed by a line
 * `… N more lines` when `maxLines` cut it.
 */
export function terminalSafeText(text: string, options: TerminalSafeLinesOptions = {}): string {
  const { lines, hiddenLines } = terminalSafeLines(text, options);
  return hiddenLines === 0 ? lines.join('\n') : [...lines, moreLines(hiddenLines)].join('\n');
}

/** `… (1 more character)`, `… (250 more characters)`: the mark of a visible cut. */
export function moreCharacters(count: number): string {
  return `… (${count} more character${count === 1 ? '' : 's'})`;
}

/** `… 1 more line`, `… 28 more lines`. */
export function moreLines(count: number): string {
  return `… ${count} more line${count === 1 ? '' : 's'}`;
}

function expandTabs(line: string, tabWidth: number): string {
  if (!line.includes('\t')) return line;
  let expanded = '';
  let column = 0;
  for (const character of line) {
    if (character === '\t') {
      const spaces = tabWidth - (column % tabWidth);
      expanded += ' '.repeat(spaces);
      column += spaces;
    } else {
      expanded += character;
      column += 1;
    }
  }
  return expanded;
}
