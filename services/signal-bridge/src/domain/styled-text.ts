// Writes text for signal-cli-rest-api's `text_mode: "styled"`. Its parser (src/utils/textstyleparser.go) knows
// `*italic*`, `**bold**`, `***bold italic***`, `~strikethrough~`, `||spoiler||` and `` `monospace` ``; a span is
// closed by the same marker while it is the innermost open one, and an unclosed marker is dropped, never shown. A
// backslash before `*`, `` ` ``, `|` or `~` is dropped and makes the marker after it literal; a run of `*` is read
// greedily (up to three), escaped or not. So three things can go wrong with text we did not write, and all three are
// handled here so a caller only says which text has which style:
// - a marker character inside the text would open or close a span: every `*`, `` ` ``, `|` and `~` is escaped;
// - a backslash right before one of our markers would escape it, and an escaped `*` right before a `*` marker would
//   swallow it (`\**` reads as a literal `**`): such a tail moves past the marker, into the next run;
// - two `*` markers side by side read as one (`**` then `*` is `***`): whitespace at the seam moves out of the spans,
//   and where there is none the later span loses its bold or italic (its text stays).

/** Style flags of a run; combine with `|`. */
export const TextStyle = {
  plain: 0,
  bold: 1,
  italic: 2,
  strikethrough: 4,
  monospace: 8,
} as const;

/** A combination of {@link TextStyle} flags. */
export type TextStyleFlags = number;

/** A piece of text that has one style throughout. Its text is literal: markers in it are escaped. */
export interface StyledRun {
  readonly text: string;
  readonly style: TextStyleFlags;
}

const markerCharacters = /[*`|~]/g;
const starStyles = TextStyle.bold | TextStyle.italic;

/** `text` with every style marker character escaped, so the parser shows it as it is. */
export function escapeStyleMarkers(text: string): string {
  return text.replace(markerCharacters, '\\$&');
}

/**
 * The styled text that shows exactly the runs' texts, one after the other, each with its style as far as the
 * parser allows (see the file comment for the few places a style gives way; the text never does).
 */
export function styledTextOf(runs: readonly StyledRun[]): string {
  const safe = separateStarMarkers(carryUnsafeTails(mergeRuns(runs)));
  return safe.map(serializeRun).join('');
}

/** The plain text the runs show, without any style: what the parser yields from {@link styledTextOf}. */
export function plainTextOf(runs: readonly StyledRun[]): string {
  return runs.map((run) => run.text).join('');
}

function serializeRun(run: StyledRun): string {
  if (run.style === TextStyle.plain) return escapeStyleMarkers(run.text);
  const stars = starMarkerOf(run.style);
  const isStrikethrough = (run.style & TextStyle.strikethrough) !== 0;
  const isMonospace = (run.style & TextStyle.monospace) !== 0;
  const outer = `${isStrikethrough ? '~' : ''}${isMonospace ? '`' : ''}`;
  const reversedOuter = `${isMonospace ? '`' : ''}${isStrikethrough ? '~' : ''}`;
  return `${outer}${stars}${escapeStyleMarkers(run.text)}${stars}${reversedOuter}`;
}

function starMarkerOf(style: TextStyleFlags): string {
  const isBold = (style & TextStyle.bold) !== 0;
  const isItalic = (style & TextStyle.italic) !== 0;
  if (isBold && isItalic) return '***';
  if (isBold) return '**';
  return isItalic ? '*' : '';
}

/** Drops empty runs and joins neighbours of the same style. */
function mergeRuns(runs: readonly StyledRun[]): StyledRun[] {
  const merged: StyledRun[] = [];
  for (const run of runs) {
    if (run.text === '') continue;
    const last = merged.at(-1);
    if (last !== undefined && last.style === run.style) {
      merged[merged.length - 1] = { text: last.text + run.text, style: run.style };
    } else {
      merged.push({ text: run.text, style: run.style });
    }
  }
  return merged;
}

/**
 * A run that ends in backslashes, or in `*` before a `*` marker, hands that tail to the start of the next run, where
 * the marker is before it instead of after it. After the last styled run the tail gets a plain run of its own, at the
 * end, where nothing follows. A run that gave away all its text is gone, and so its neighbours meet: repeated until
 * nothing moves (characters only ever move forward, so it ends).
 */
function carryUnsafeTails(runs: readonly StyledRun[]): StyledRun[] {
  let current = runs;
  for (;;) {
    const carried = mergeRuns(carryTailsOnce(current));
    const isSame =
      carried.length === current.length &&
      carried.every((run, index) => run.text === current[index]?.text && run.style === current[index]?.style);
    if (isSame) return carried;
    current = carried;
  }
}

function carryTailsOnce(runs: readonly StyledRun[]): StyledRun[] {
  const carried: StyledRun[] = [];
  let tail = '';
  runs.forEach((run, index) => {
    let text = tail + run.text;
    const nextMarker = markerAfter(run, runs[index + 1]);
    const tailLength = nextMarker === undefined ? 0 : unsafeTailLength(text, nextMarker === 'star');
    tail = text.slice(text.length - tailLength);
    text = text.slice(0, text.length - tailLength);
    if (text !== '') carried.push({ text, style: run.style });
  });
  if (tail !== '') carried.push({ text: tail, style: TextStyle.plain });
  return carried;
}

/** Which marker comes right after the text of `run`: its own innermost closing one, or the next run's outermost. */
function markerAfter(run: StyledRun, next: StyledRun | undefined): 'star' | 'other' | undefined {
  if (run.style !== TextStyle.plain) return (run.style & starStyles) !== 0 ? 'star' : 'other';
  if (next === undefined || next.style === TextStyle.plain) return undefined;
  return (next.style & ~starStyles) !== 0 ? 'other' : 'star';
}

/**
 * How many characters at the end of `text` must not touch the marker that follows: backslashes (they would escape
 * it) and, before a `*` marker, `*` too (an escaped `*` swallows the `*` after it).
 */
function unsafeTailLength(text: string, isBeforeStar: boolean): number {
  let start = text.length;
  while (start > 0 && (text[start - 1] === '\\' || (isBeforeStar && text[start - 1] === '*'))) start -= 1;
  return text.length - start;
}

/** True for a run whose outermost markers are `*` markers: bold and/or italic, nothing else. */
function isStarOnly(style: TextStyleFlags): boolean {
  return style !== TextStyle.plain && (style & ~starStyles) === 0;
}

/**
 * Where a run with only bold/italic is followed by another such run, their `*` markers would touch and be read as
 * one. Whitespace at the seam moves out into a plain run (bold or italic whitespace looks the same as plain); with no
 * whitespace there, the later run is shown plain.
 */
function separateStarMarkers(runs: readonly StyledRun[]): StyledRun[] {
  const separated: StyledRun[] = [];
  const push = (run: StyledRun) => {
    if (run.text === '') return;
    const last = separated.at(-1);
    if (last !== undefined && last.style === run.style) {
      separated[separated.length - 1] = { text: last.text + run.text, style: run.style };
    } else {
      separated.push(run);
    }
  };
  for (const run of runs) {
    const previous = separated.at(-1);
    if (previous === undefined || !isStarOnly(previous.style) || !isStarOnly(run.style)) {
      push(run);
      continue;
    }
    const core = previous.text.trimEnd();
    const trailing = previous.text.slice(core.length);
    const leading = run.text.slice(0, run.text.length - run.text.trimStart().length);
    if (trailing !== '' && unsafeTailLength(core, true) === 0) {
      separated.pop();
      push({ text: core, style: core === '' ? TextStyle.plain : previous.style });
      push({ text: trailing, style: TextStyle.plain });
      push(run);
    } else if (leading !== '') {
      push({ text: leading, style: TextStyle.plain });
      const rest = run.text.slice(leading.length);
      if (rest !== '') push({ text: rest, style: run.style });
    } else {
      push({ text: run.text, style: TextStyle.plain });
    }
  }
  return separated;
}
