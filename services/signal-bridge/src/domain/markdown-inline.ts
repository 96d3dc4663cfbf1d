// The inline part of the agent's markdown, one line at a time: `**bold**`/`__bold__`, `*italic*`/`_italic_`,
// `***both***`, `~~strikethrough~~`, `` `code` `` and `[text](url)`. Emphasis follows CommonMark's flanking rules
// (so `snake_case_name` and `2 * 3 * 4` stay as they are) in a simpler form: an opener pairs with the nearest later
// closer of the same character and length, and markers left between them stay text. Whatever does not pair is text.
import { TextStyle, type StyledRun, type TextStyleFlags } from './styled-text.js';

type InlineNode =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'code'; readonly text: string }
  | { readonly type: 'link'; readonly label: InlineNode[]; readonly url: string }
  | Delimiter;

interface Delimiter {
  readonly type: 'delimiter';
  readonly text: string;
  readonly style: TextStyleFlags;
  readonly canOpen: boolean;
  readonly canClose: boolean;
  /** Set when paired: whether this one opens or closes its span. */
  role?: 'open' | 'close';
}

const asciiPunctuation = /^[!-/:-@[-`{-~]$/;
const whitespace = /^\s$/u;
const punctuation = /^[\p{P}\p{S}]$/u;
// Brackets nest this deep at most in a link's text; deeper ones are text (a hostile line cannot recurse far).
const maximumLinkDepth = 3;
const maximumLinkTextLength = 1000;
// `(url)`, `(<url>)` or `(url "title")` right after the link text; the title is dropped.
const linkDestination = /\(\s*(<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+("[^"]*"|'[^']*'))?\s*\)/y;
// A closer looks this far back for its opener, so a line of unpaired markers stays linear.
const maximumOpenersSearched = 64;

/** The runs of one line of markdown, every run also carrying `baseStyle` (a heading's bold). */
export function inlineMarkdownRuns(line: string, baseStyle: TextStyleFlags = TextStyle.plain): StyledRun[] {
  return renderNodes(parseInline(line, 0), baseStyle);
}

function parseInline(line: string, depth: number): InlineNode[] {
  const nodes: InlineNode[] = [];
  let text = '';
  const flushText = () => {
    if (text !== '') nodes.push({ type: 'text', text });
    text = '';
  };
  let index = 0;
  while (index < line.length) {
    const character = line[index] ?? '';
    if (character === '\\' && asciiPunctuation.test(line[index + 1] ?? '')) {
      text += line[index + 1];
      index += 2;
      continue;
    }
    const special = specialAt(line, index, depth);
    if (special === undefined) {
      text += character;
      index += 1;
      continue;
    }
    flushText();
    nodes.push(special.node);
    index = special.end;
  }
  flushText();
  pairDelimiters(nodes);
  return nodes;
}

function specialAt(
  line: string,
  index: number,
  depth: number,
): { node: InlineNode; end: number } | undefined {
  const character = line[index];
  if (character === '`') return codeSpanAt(line, index);
  if (character === '[' && depth < maximumLinkDepth) return linkAt(line, index, depth);
  if (character === '*' || character === '_' || character === '~') return delimiterAt(line, index, character);
  return undefined;
}

function runLength(line: string, index: number, character: string): number {
  let length = 0;
  while (line[index + length] === character) length += 1;
  return length;
}

function codeSpanAt(line: string, index: number): { node: InlineNode; end: number } {
  const length = runLength(line, index, '`');
  let search = index + length;
  while (search < line.length) {
    const found = line.indexOf('`', search);
    if (found === -1) break;
    const closing = runLength(line, found, '`');
    if (closing === length) {
      let code = line.slice(index + length, found);
      if (code.length >= 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '') {
        code = code.slice(1, -1);
      }
      return { node: { type: 'code', text: code }, end: found + closing };
    }
    search = found + closing;
  }
  return { node: { type: 'text', text: '`'.repeat(length) }, end: index + length };
}

function linkAt(line: string, index: number, depth: number): { node: InlineNode; end: number } | undefined {
  const close = closingBracketOf(line, index);
  if (close === undefined || line[close + 1] !== '(') return undefined;
  linkDestination.lastIndex = close + 1;
  const destination = linkDestination.exec(line);
  if (destination === null) return undefined;
  const rawUrl = destination[1] ?? '';
  const url = rawUrl.startsWith('<') ? rawUrl.slice(1, -1) : rawUrl;
  const label = parseInline(line.slice(index + 1, close), depth + 1);
  return { node: { type: 'link', label, url }, end: linkDestination.lastIndex };
}

/** The `]` that closes the `[` at `index`, looked for within a bounded distance (a hostile line stays linear). */
function closingBracketOf(line: string, index: number): number | undefined {
  let nesting = 0;
  const limit = Math.min(line.length, index + maximumLinkTextLength);
  for (let close = index + 1; close < limit; close += 1) {
    const character = line[close];
    if (character === '\\') close += 1;
    else if (character === '[') nesting += 1;
    else if (character === ']' && nesting === 0) return close;
    else if (character === ']') nesting -= 1;
  }
  return undefined;
}

function delimiterAt(line: string, index: number, character: string): { node: InlineNode; end: number } {
  const length = runLength(line, index, character);
  const end = index + length;
  const text = character.repeat(length);
  const style = styleOfDelimiter(character, length);
  if (style === undefined) return { node: { type: 'text', text }, end };
  const before = index === 0 ? undefined : String.fromCodePoint(line.codePointAt(index - 1) ?? 32);
  const after = line[end] === undefined ? undefined : String.fromCodePoint(line.codePointAt(end) ?? 32);
  const isLeftFlanking =
    !isSpace(after) && (!isPunctuation(after) || isSpace(before) || isPunctuation(before));
  const isRightFlanking =
    !isSpace(before) && (!isPunctuation(before) || isSpace(after) || isPunctuation(after));
  const isUnderscore = character === '_';
  const canOpen = isLeftFlanking && (!isUnderscore || !isRightFlanking || isPunctuation(before));
  const canClose = isRightFlanking && (!isUnderscore || !isLeftFlanking || isPunctuation(after));
  return { node: { type: 'delimiter', text, style, canOpen, canClose }, end };
}

function styleOfDelimiter(character: string, length: number): TextStyleFlags | undefined {
  if (character === '~') return length === 2 ? TextStyle.strikethrough : undefined;
  if (length === 1) return TextStyle.italic;
  if (length === 2) return TextStyle.bold;
  return length === 3 ? TextStyle.bold | TextStyle.italic : undefined;
}

function isSpace(character: string | undefined): boolean {
  return character === undefined || whitespace.test(character);
}

function isPunctuation(character: string | undefined): boolean {
  return character !== undefined && punctuation.test(character);
}

/**
 * Pairs each closer with the nearest open opener of the same text; openers between the two are dropped from the
 * stack (they stay text), so pairs always nest.
 */
function pairDelimiters(nodes: InlineNode[]): void {
  const openers: Delimiter[] = [];
  for (const node of nodes) {
    if (node.type !== 'delimiter') continue;
    if (node.canClose) {
      const match = nearestOpener(openers, node.text);
      if (match !== -1) {
        const opener = openers[match];
        if (opener !== undefined) opener.role = 'open';
        node.role = 'close';
        openers.length = match;
        continue;
      }
    }
    if (node.canOpen) openers.push(node);
  }
}

function nearestOpener(openers: readonly Delimiter[], text: string): number {
  const lowest = Math.max(0, openers.length - maximumOpenersSearched);
  for (let position = openers.length - 1; position >= lowest; position -= 1) {
    if (openers[position]?.text === text) return position;
  }
  return -1;
}

function renderNodes(nodes: readonly InlineNode[], baseStyle: TextStyleFlags): StyledRun[] {
  const runs: StyledRun[] = [];
  const open: TextStyleFlags[] = [];
  const style = () => open.reduce((combined, flag) => combined | flag, baseStyle);
  for (const node of nodes) {
    if (node.type === 'text') runs.push({ text: node.text, style: style() });
    else if (node.type === 'code') runs.push({ text: node.text, style: style() | TextStyle.monospace });
    else if (node.type === 'link') runs.push(...renderLink(node, style()));
    else if (node.role === 'open') open.push(node.style);
    else if (node.role === 'close') open.pop();
    else runs.push({ text: node.text, style: style() });
  }
  return runs;
}

function renderLink(link: { label: InlineNode[]; url: string }, style: TextStyleFlags): StyledRun[] {
  const label = renderNodes(link.label, style);
  const labelText = label.map((run) => run.text).join('');
  if (link.url === '') return label;
  if (labelText.trim() === '' || labelText === link.url) return [{ text: link.url, style }];
  return [...label, { text: ` (${link.url})`, style }];
}
