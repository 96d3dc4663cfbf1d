// Text for the phone: the agent's markdown turned into Signal styled text, long texts split into messages, and
// anything untrusted made inert first.
import { inlineMarkdownRuns } from './markdown-inline.js';
import { neutralizeForPhone } from './phone-text.js';
import { styledTextOf, TextStyle, type StyledRun } from './styled-text.js';

export { neutralizeForPhone } from './phone-text.js';
export { defaultSignalMessageLimit, minimumSignalMessageLimit, splitForSignal } from './split-for-signal.js';

const fenceOpening = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const headingOpening = /^ {0,3}#{1,6}(?:[ \t]+|$)/;

interface Fence {
  readonly character: string;
  readonly length: number;
}

/**
 * The agent's markdown as Signal styled text (`text_mode: "styled"`): headings become bold lines, `**x**`/`__x__`
 * bold, `*x*`/`_x_` italic, `***x***` both, `~~x~~` strikethrough, inline code and every line of a fenced code block
 * monospace, `[text](url)` becomes `text (url)`; lists, quotes, tables and everything else stay as they are written.
 * Emphasis is read within one line. A marker that does not pair (unbalanced, crossed, or inside a word with `_`) is
 * shown as written, and every style marker character in the text is escaped, so the text always arrives whole.
 * Controls, bidi and invisible characters become visible escapes first ({@link neutralizeForPhone}).
 */
export function markdownToSignalStyled(markdown: string): string {
  const lines = neutralizeForPhone(markdown).split('\n');
  const runs: StyledRun[] = [];
  let fence: Fence | undefined;
  let isFirstLine = true;
  const addLine = (lineRuns: readonly StyledRun[]) => {
    if (!isFirstLine) runs.push({ text: '\n', style: TextStyle.plain });
    isFirstLine = false;
    runs.push(...lineRuns);
  };
  for (const line of lines) {
    if (fence !== undefined) {
      if (isClosingFence(line, fence)) fence = undefined;
      else addLine([{ text: line, style: TextStyle.monospace }]);
      continue;
    }
    const opening = fenceOpening.exec(line);
    const marker = opening?.[1] ?? '';
    if (opening !== null && !(marker.startsWith('`') && (opening[2] ?? '').includes('`'))) {
      fence = { character: marker[0] ?? '`', length: marker.length };
      continue;
    }
    const headingMatch = headingOpening.exec(line);
    if (headingMatch !== null) {
      addLine(inlineMarkdownRuns(headingText(line.slice(headingMatch[0].length)), TextStyle.bold));
      continue;
    }
    addLine(inlineMarkdownRuns(line));
  }
  return styledTextOf(runs);
}

/** A heading's text without its closing `#`s (`## Title ##` → `Title`). */
function headingText(rest: string): string {
  const trimmed = rest.trimEnd();
  let end = trimmed.length;
  while (end > 0 && trimmed[end - 1] === '#') end -= 1;
  if (end === 0) return '';
  const beforeHashes = trimmed[end - 1];
  return beforeHashes === ' ' || beforeHashes === '\t' ? trimmed.slice(0, end).trimEnd() : trimmed;
}

function isClosingFence(line: string, fence: Fence): boolean {
  const trimmed = line.trim();
  if (!/^ {0,3}\S/.test(line) || trimmed.length < fence.length) return false;
  return [...trimmed].every((character) => character === fence.character);
}
