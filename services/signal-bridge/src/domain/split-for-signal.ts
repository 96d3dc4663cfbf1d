import {
  closingOf,
  openingOf,
  openSpansBefore,
  openSpansList,
  tokenizeStyled,
  type OpenSpans,
  type StyleMarker,
  type StyledUnit,
} from './styled-tokens.js';

/** Signal's length for one message body; longer ones are sent as an attachment, or cut. */
export const defaultSignalMessageLimit = 2000;

/** The smallest limit {@link splitForSignal} works with: room for a part number and a few spans around a cut. */
export const minimumSignalMessageLimit = 64;

// Past this many open spans (only hostile or broken styled text gets there) a part does not close and reopen them:
// its styles may be lost, its text is not, and a part never outgrows the limit.
const maximumReopenedSpans = 4;

type BreakKind = 'paragraph' | 'line' | 'word' | 'grapheme' | 'unit';
const breakKinds: readonly BreakKind[] = ['paragraph', 'line', 'word', 'grapheme', 'unit'];

interface Cut {
  /** The part ends before this unit. */
  readonly end: number;
  /** The next part starts at this unit (the whitespace between is dropped). */
  readonly nextStart: number;
}

interface SplitText {
  readonly units: readonly StyledUnit[];
  readonly offsets: readonly number[];
  readonly openSpans: readonly (OpenSpans | undefined)[];
  readonly text: string;
  graphemeStarts?: ReadonlySet<number>;
}

/**
 * Cuts `text` into messages of at most `limit` UTF-16 code units (default 2,000; at least 64): at blank lines
 * between paragraphs where it can, else at line ends, else between words, else between grapheme clusters (an
 * emoji or a letter with its accents stays whole). Text that fits is returned as it is; whitespace-only text gives
 * no message. With `textMode` `styled` (the default) the text is read as Signal styled text: a span open at a cut is
 * closed at the end of the part and reopened at the start of the next, and an escape is never cut from what it
 * escapes. Parts are numbered `(1/3)` on a line of their own only when there is more than one. Whitespace at a cut
 * is dropped; nothing else is.
 */
export function splitForSignal(
  text: string,
  limit: number = defaultSignalMessageLimit,
  textMode: 'styled' | 'normal' = 'styled',
): string[] {
  if (text.trim() === '') return [];
  const safeLimit = Number.isFinite(limit)
    ? Math.max(minimumSignalMessageLimit, Math.floor(limit))
    : defaultSignalMessageLimit;
  if (text.length <= safeLimit) return [text];
  const units = textMode === 'styled' ? tokenizeStyled(text) : plainUnits(text);
  const offsets = [0];
  for (const unit of units) offsets.push((offsets.at(-1) ?? 0) + unit.raw.length);
  const split: SplitText = { units, offsets, openSpans: openSpansBefore(units), text };
  for (let digits = 1; ; digits += 1) {
    const label = `(${'9'.repeat(digits)}/${'9'.repeat(digits)})\n`;
    const parts = packParts(split, safeLimit - label.length);
    if (String(parts.length).length <= digits) {
      return parts.length === 1
        ? parts
        : parts.map((part, index) => `(${index + 1}/${parts.length})\n${part}`);
    }
  }
}

function plainUnits(text: string): StyledUnit[] {
  return Array.from(text, (raw) => ({ raw, isUnsafeBeforeMarker: false }));
}

function packParts(split: SplitText, budget: number): string[] {
  const { units, offsets, text } = split;
  const parts: string[] = [];
  let start = skipClosingMarkers(split, 0);
  while (start < units.length) {
    const reopen = framingOf(split, start, openingOf);
    const room = budget - reopen.length;
    let end = start;
    while (end < units.length && (offsets[end + 1] ?? 0) - (offsets[start] ?? 0) <= room) end += 1;
    if (end === units.length) {
      parts.push(reopen + text.slice(offsets[start], offsets[end]));
      break;
    }
    const cut = chooseCut(split, start, Math.max(end, start + 1), budget - reopen.length);
    const closing = framingOf(split, cut.end, closingOf);
    const isClosable = closing === '' || units[cut.end - 1]?.isUnsafeBeforeMarker !== true;
    parts.push(reopen + text.slice(offsets[start], offsets[cut.end]) + (isClosable ? closing : ''));
    start = skipClosingMarkers(split, cut.nextStart);
  }
  return parts.filter((part) => part.trim() !== '');
}

/** The markers that reopen (or close) the spans open before unit `index`, unless there are too many of them. */
function framingOf(
  split: SplitText,
  index: number,
  framing: (stack: readonly StyleMarker[]) => string,
): string {
  const spans = split.openSpans[index];
  return spans === undefined || spans.depth > maximumReopenedSpans ? '' : framing(openSpansList(spans));
}

/**
 * Closing markers at the start of a part close spans the previous part already closed: reopening and closing them
 * at once would put two markers side by side (`**` `**` reads as `***` `*`), so the part starts after them.
 */
function skipClosingMarkers(split: SplitText, start: number): number {
  let index = start;
  while (index < split.units.length) {
    const marker = split.units[index]?.marker;
    if (marker === undefined || split.openSpans[index]?.marker !== marker) break;
    index += 1;
  }
  return index;
}

/** The last cut of the best kind in (start, end] whose part, closed, fits in `room`. */
function chooseCut(split: SplitText, start: number, end: number, room: number): Cut {
  for (const kind of breakKinds) {
    for (let index = end; index > start; index -= 1) {
      const cut = cutAt(split, kind, index, start);
      if (cut !== undefined && fits(split, start, cut, room)) return cut;
    }
  }
  // Nothing closes cleanly (a span of nothing but escapes): cut anyway, without closing; the text stays whole.
  return { end, nextStart: end };
}

function fits(split: SplitText, start: number, cut: Cut, room: number): boolean {
  const closing = framingOf(split, cut.end, closingOf);
  if (closing !== '' && split.units[cut.end - 1]?.isUnsafeBeforeMarker === true) return false;
  return (split.offsets[cut.end] ?? 0) - (split.offsets[start] ?? 0) + closing.length <= room;
}

function cutAt(split: SplitText, kind: BreakKind, index: number, start: number): Cut | undefined {
  const { units } = split;
  const unit = units[index];
  if (kind === 'unit') return withoutOpeningMarkers(split, { end: index, nextStart: index }, start);
  if (kind === 'grapheme') {
    const cut = { end: index, nextStart: index };
    return graphemeStartsOf(split).has(split.offsets[index] ?? -1)
      ? withoutOpeningMarkers(split, cut, start)
      : undefined;
  }
  if (unit === undefined || !isWhitespace(unit) || (index > start && isWhitespace(units[index - 1]))) {
    return undefined;
  }
  let after = index;
  let lastNewline = -1;
  while (after < units.length && isWhitespace(units[after])) {
    if (units[after]?.raw === '\n') lastNewline = after;
    after += 1;
  }
  const newlines = units.slice(index, after).filter((candidate) => candidate.raw === '\n').length;
  if (kind === 'paragraph' && newlines < 2) return undefined;
  if (kind === 'line' && newlines < 1) return undefined;
  const nextStart = kind === 'word' ? after : lastNewline + 1;
  return withoutOpeningMarkers(split, { end: index, nextStart }, start);
}

/** A part does not end with markers that open spans (they would be closed at once): they go to the next part. */
function withoutOpeningMarkers(split: SplitText, cut: Cut, start: number): Cut | undefined {
  let end = cut.end;
  while (end > start) {
    const marker = split.units[end - 1]?.marker;
    if (marker === undefined || split.openSpans[end]?.marker !== marker) break;
    end -= 1;
  }
  if (end <= start) return undefined;
  return end === cut.end ? cut : { end, nextStart: Math.min(cut.nextStart, end) };
}

function isWhitespace(unit: StyledUnit | undefined): boolean {
  return unit !== undefined && unit.marker === undefined && /^[ \t\n]$/.test(unit.raw);
}

function graphemeStartsOf(split: SplitText): ReadonlySet<number> {
  if (split.graphemeStarts === undefined) {
    const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
    split.graphemeStarts = new Set(Array.from(segmenter.segment(split.text), (segment) => segment.index));
  }
  return split.graphemeStarts;
}
