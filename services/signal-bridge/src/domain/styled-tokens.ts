// Reads styled text the way signal-cli-rest-api's parser does (src/utils/textstyleparser.go), so the splitter knows
// which spans are open at any point and can close and reopen them around a cut.

/** The span kinds of styled text; `bold-italic` is the one `***` marker. */
export type StyleMarker = 'italic' | 'bold' | 'bold-italic' | 'monospace' | 'strikethrough' | 'spoiler';

/** One piece of styled text: a marker, a literal character, or an escaped marker (backslash and what it escapes). */
export interface StyledUnit {
  /** The characters as written in the styled text. */
  readonly raw: string;
  /** Set for a marker that opens or closes a span. */
  readonly marker?: StyleMarker;
  /**
   * A backslash or an escaped marker: a closing marker right after it would be escaped or swallowed, so a cut that
   * must close spans does not end with it.
   */
  readonly isUnsafeBeforeMarker: boolean;
}

const markerTexts: Record<StyleMarker, string> = {
  italic: '*',
  bold: '**',
  'bold-italic': '***',
  monospace: '`',
  strikethrough: '~',
  spoiler: '||',
};

const escapable = new Set(['*', '`', '|', '~']);

/** The text of a marker. */
export function markerText(marker: StyleMarker): string {
  return markerTexts[marker];
}

/** The markers that open the spans of `stack` (outermost first). */
export function openingOf(stack: readonly StyleMarker[]): string {
  return stack.map(markerText).join('');
}

/** The markers that close the spans of `stack` (innermost first). */
export function closingOf(stack: readonly StyleMarker[]): string {
  return stack.toReversed().map(markerText).join('');
}

/** How many `*` the parser reads as one marker at `index` (it is greedy, up to three). */
function starRunLength(text: string, index: number): number {
  let length = 1;
  while (length < 3 && text[index + length] === '*') length += 1;
  return length;
}

/** The length of what an escape at `index` makes literal (`index` is the character after the backslash). */
function escapedLength(text: string, index: number): number {
  const character = text[index];
  if (character === '*') return starRunLength(text, index);
  if (character === '|' && text[index + 1] === '|') return 2;
  return 1;
}

/** Splits styled text into units; their `raw` joined give the text back. */
export function tokenizeStyled(text: string): StyledUnit[] {
  const units: StyledUnit[] = [];
  let index = 0;
  while (index < text.length) {
    const character = text[index] ?? '';
    const next = text[index + 1];
    if (character === '\\' && next !== undefined && escapable.has(next)) {
      const length = 1 + escapedLength(text, index + 1);
      units.push({ raw: text.slice(index, index + length), isUnsafeBeforeMarker: true });
      index += length;
      continue;
    }
    const marker = markerAt(text, index);
    if (marker !== undefined) {
      units.push({ raw: markerText(marker), marker, isUnsafeBeforeMarker: false });
      index += markerText(marker).length;
      continue;
    }
    const codePoint = String.fromCodePoint(text.codePointAt(index) ?? 0xfffd);
    const raw = text.slice(index, index + codePoint.length);
    units.push({ raw, isUnsafeBeforeMarker: raw === '\\' });
    index += raw.length;
  }
  return units;
}

function markerAt(text: string, index: number): StyleMarker | undefined {
  const character = text[index];
  if (character === '*') {
    const length = starRunLength(text, index);
    return length === 1 ? 'italic' : length === 2 ? 'bold' : 'bold-italic';
  }
  if (character === '|' && text[index + 1] === '|') return 'spoiler';
  if (character === '~') return 'strikethrough';
  if (character === '`') return 'monospace';
  return undefined;
}

/** The spans open at a point, innermost first, shared between points (a hostile text may nest thousands deep). */
export interface OpenSpans {
  readonly marker: StyleMarker;
  readonly outer: OpenSpans | undefined;
  readonly depth: number;
}

/** The open spans as a list, outermost first. */
export function openSpansList(spans: OpenSpans | undefined): StyleMarker[] {
  const list: StyleMarker[] = [];
  for (let span = spans; span !== undefined; span = span.outer) list.push(span.marker);
  return list.reverse();
}

/**
 * The spans open before each unit (index `units.length`: at the end), as the parser tracks them: a marker closes the
 * innermost span when it is of the same kind, and opens a new one otherwise.
 */
export function openSpansBefore(units: readonly StyledUnit[]): (OpenSpans | undefined)[] {
  const before: (OpenSpans | undefined)[] = [];
  let spans: OpenSpans | undefined;
  for (const unit of units) {
    before.push(spans);
    if (unit.marker === undefined) continue;
    spans =
      spans?.marker === unit.marker
        ? spans.outer
        : { marker: unit.marker, outer: spans, depth: (spans?.depth ?? 0) + 1 };
  }
  before.push(spans);
  return before;
}
