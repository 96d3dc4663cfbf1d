// What reaches the phone from the agent, a tool or the network is shown, never obeyed by the screen: a phone has
// no escape sequences to fear, but bidi overrides, zero-width and other invisible characters can still make one
// value look like another in an approval request. They become visible escapes, as in the terminal (libs/terminal-text).
import { escapeCharacter, isUnsafeCharacter, moreCharacters } from '@ironcurtain/terminal-text';

// Everything outside printable ASCII and the line feed is looked at; the rest cannot be unsafe.
const possiblyUnsafe = /[^\x20-\x7e\n]/gu;
const styleMarkerCharacters = /[*`|~]/g;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * `text` safe to show on a phone: `\r\n` becomes `\n`, a tab four spaces, and every other control (C0, DEL, C1), bidi
 * control, zero-width or otherwise invisible character, line or paragraph separator and lone surrogate becomes a
 * visible escape (`\x1b`, `\u202e`, `\u{e0041}`), as libs/terminal-text shows it. Line feeds stay. Text that is
 * already safe comes back unchanged, and style markers are left alone, so styled text stays styled.
 */
export function neutralizeForPhone(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/\t/g, '    ')
    .replace(possiblyUnsafe, (character) =>
      isUnsafeCharacter(character) ? escapeCharacter(character) : character,
    );
}

/**
 * One line of a value for a text that reads the same in Signal's `normal` and `styled` modes: made safe (a line
 * feed too becomes `\x0a`), style marker characters shown as escapes (`\x2a` for `*`), and cut visibly after
 * `maximumLength` characters.
 */
export function phoneSafeLine(value: string, maximumLength: number): string {
  const oneLine = neutralizeForPhone(value).replace(/\n/g, '\\x0a');
  return cutVisibly(oneLine.replace(styleMarkerCharacters, escapeCharacter), maximumLength);
}

/**
 * `text` cut after `maximumLength` grapheme clusters (an emoji or an accented letter is never cut in half), with
 * `… (N more characters)` after the cut (never inside an escape such as `\u202e`); N counts the characters cut
 * off. Text that fits comes back unchanged.
 */
export function cutVisibly(text: string, maximumLength: number): string {
  if (text.length <= maximumLength) return text;
  let kept = '';
  let count = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (count === maximumLength) break;
    kept += segment;
    count += 1;
  }
  if (kept.length === text.length) return text;
  kept = withoutPartialEscape(kept);
  return `${kept}${moreCharacters(Array.from(text.slice(kept.length)).length)}`;
}

/** Drops an escape the cut went through (`\u20` of `\u202e`, the `\` of `\"`), so a cut never shows half of one. */
function withoutPartialEscape(kept: string): string {
  const partial = /(\\+)(x[0-9a-fA-F]?|u[0-9a-fA-F]{0,3}|u\{[0-9a-fA-F]*)?$/.exec(kept);
  if (partial === null || (partial[1] ?? '').length % 2 === 0) return kept;
  return kept.slice(0, kept.length - 1 - (partial[2] ?? '').length);
}
