// Long texts cut into Signal messages: at paragraphs, then lines, then words, then grapheme clusters; every part
// within the limit, styled spans closed and reopened at a cut, and no text lost but the whitespace at the cuts.
import { describe, expect, it } from 'vitest';
import { markdownToSignalStyled, splitForSignal } from '../src/domain/signal-text.js';
import { parseStyledLikeSignal, styleAt } from './styled-text-oracle.js';

const numbering = /^\((\d+)\/(\d+)\)\n/;

/** The parts without their numbers, checking the numbering on the way. */
function bodiesOf(parts: readonly string[]): string[] {
  if (parts.length === 1) {
    expect(parts[0]).not.toMatch(numbering);
    return [...parts];
  }
  return parts.map((part, index) => {
    const match = numbering.exec(part);
    expect(match?.slice(1), part.slice(0, 20)).toEqual([String(index + 1), String(parts.length)]);
    return part.slice(match?.[0].length ?? 0);
  });
}

/** Every part is within the limit and parses with no marker left open; returns what the phone shows of each. */
function shownParts(parts: readonly string[], limit: number): string[] {
  return bodiesOf(parts).map((body, index) => {
    expect(parts[index]?.length ?? 0).toBeLessThanOrEqual(limit);
    const parsed = parseStyledLikeSignal(body);
    expect(parsed.unclosed, body.slice(0, 80)).toBe(0);
    return parsed.text;
  });
}

const withoutWhitespace = (text: string) => text.replace(/\s/g, '');

function paragraph(index: number, words: number): string {
  return Array.from({ length: words }, (_, word) => `p${index}w${word}`).join(' ');
}

describe('splitForSignal', () => {
  it('returns text that fits as it is, unnumbered, and nothing for empty or blank text', () => {
    expect(splitForSignal('hello **there**')).toEqual(['hello **there**']);
    expect(splitForSignal('x'.repeat(2000))).toEqual(['x'.repeat(2000)]);
    expect(splitForSignal('')).toEqual([]);
    expect(splitForSignal(' \n\n \t')).toEqual([]);
  });

  it('cuts at paragraph boundaries, packing whole paragraphs into each part, numbered (1/N)', () => {
    const paragraphs = Array.from({ length: 5 }, (_, index) => paragraph(index, 100));
    const text = paragraphs.join('\n\n');
    const parts = splitForSignal(text);
    expect(parts.length).toBeGreaterThan(1);
    const bodies = bodiesOf(parts);
    for (const body of bodies) {
      expect(body.length).toBeLessThanOrEqual(2000 - '(1/3)\n'.length);
      // Each part is whole paragraphs.
      for (const piece of body.split('\n\n')) expect(paragraphs).toContain(piece);
    }
    expect(bodies.join('\n\n')).toBe(text);
  });

  it('falls back to line ends, then to words, then to grapheme clusters', () => {
    const lines = Array.from({ length: 40 }, (_, index) => paragraph(index, 8)).join('\n');
    const byLines = bodiesOf(splitForSignal(lines, 300));
    for (const body of byLines) expect(lines.split('\n')).toEqual(expect.arrayContaining(body.split('\n')));
    expect(byLines.join('\n')).toBe(lines);

    const words = paragraph(1, 300);
    const byWords = bodiesOf(splitForSignal(words, 200));
    for (const body of byWords) expect(body).toMatch(/^p1w\d+( p1w\d+)*$/);
    expect(byWords.join(' ')).toBe(words);

    const oneWord = 'x'.repeat(1000);
    const hard = bodiesOf(splitForSignal(oneWord, 100));
    expect(hard.join('')).toBe(oneWord);
    for (const part of splitForSignal(oneWord, 100)) expect(part.length).toBeLessThanOrEqual(100);
  });

  it('closes a style span at a cut and reopens it in the next part', () => {
    const styled = markdownToSignalStyled(`**${paragraph(0, 400)}**`);
    const parts = splitForSignal(styled, 500);
    expect(parts.length).toBeGreaterThan(1);
    for (const body of bodiesOf(parts)) {
      const parsed = parseStyledLikeSignal(body);
      expect(parsed.unclosed).toBe(0);
      expect(new Set(styleAt(parsed))).toEqual(new Set(['BOLD']));
    }
    expect(shownParts(parts, 500).join(' ')).toBe(paragraph(0, 400));
  });

  it('keeps monospace on every line of a long code block across parts', () => {
    const code = Array.from({ length: 200 }, (_, index) => `  line ${index} = a * b | \`c\` ~d~ \\ end`).join(
      '\n',
    );
    const styled = markdownToSignalStyled(`\`\`\`\n${code}\n\`\`\``);
    const parts = splitForSignal(styled, 700);
    const shown = shownParts(parts, 700);
    expect(shown.join('\n')).toBe(code);
    for (const body of bodiesOf(parts)) {
      const parsed = parseStyledLikeSignal(body);
      const styles = styleAt(parsed);
      [...parsed.text].forEach((character, index) => {
        if (character !== '\n') expect(styles[index]).toBe('MONOSPACE');
      });
    }
  });

  it('never cuts an emoji, a flag or an accented letter in half', () => {
    const emoji = '👋🏾🇩🇪é'.repeat(500); // é written as e + combining acute
    const parts = splitForSignal(emoji, 101);
    const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
    const allowed = new Set(['👋🏾', '🇩🇪', 'é']);
    for (const body of bodiesOf(parts)) {
      expect(body).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      for (const { segment } of graphemes.segment(body)) expect(allowed).toContain(segment);
    }
    expect(bodiesOf(parts).join('')).toBe(emoji);
  });

  it('never cuts an escape from what it escapes', () => {
    const escaped = '\\*\\~\\`\\||'.repeat(400);
    const parts = splitForSignal(escaped, 90);
    const shown = shownParts(parts, 90);
    expect(shown.join('')).toBe('*~`||'.repeat(400));
  });

  it('keeps every character of a 100 kB styled message, within the limit, quickly', () => {
    const markdown = Array.from({ length: 500 }, (_, index) =>
      index % 3 === 0
        ? `## Part ${index}\n**${paragraph(index, 30)}** and *${paragraph(index, 10)}*`
        : `\`${paragraph(index, 25)}\``,
    ).join('\n\n');
    const styled = markdownToSignalStyled(markdown);
    expect(styled.length).toBeGreaterThan(100_000);
    const started = performance.now();
    const parts = splitForSignal(styled);
    expect(performance.now() - started).toBeLessThan(3000);
    const whole = parseStyledLikeSignal(styled).text;
    expect(withoutWhitespace(shownParts(parts, 2000).join(''))).toBe(withoutWhitespace(whole));
  });

  it('numbers with as many digits as the count needs, still within the limit', () => {
    const parts = splitForSignal(paragraph(0, 2000), 80);
    expect(parts.length).toBeGreaterThan(99);
    expect(parts[0]).toMatch(new RegExp(`^\\(1/${parts.length}\\)\\n`));
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(80);
    expect(bodiesOf(parts).join(' ')).toBe(paragraph(0, 2000));
  });

  it('in normal mode reads no markers: nothing is added to the text', () => {
    const text = Array.from({ length: 300 }, (_, index) => `**a${index}** ~b~ \`c\` \\*`).join(' ');
    const parts = splitForSignal(text, 150, 'normal');
    expect(bodiesOf(parts).join(' ')).toBe(text);
  });

  it('works with a limit below the minimum as with the minimum, and with nonsense limits as with the default', () => {
    const text = paragraph(0, 100);
    expect(splitForSignal(text, 5)).toEqual(splitForSignal(text, 64));
    expect(splitForSignal(text, Number.NaN)).toEqual(splitForSignal(text));
  });

  it('hostile styled input (deep nesting, lone markers, escapes only) never loses text or exceeds the limit', () => {
    const inputs = [
      '~*'.repeat(3000),
      '*'.repeat(5000),
      '\\'.repeat(5000),
      `**${'\\*'.repeat(3000)}**`,
      `\`${'\\'.repeat(3000)}\``,
      `||${'x '.repeat(2000)}||`,
      '**a ***b ~c `d '.repeat(500),
    ];
    for (const input of inputs) {
      const parts = splitForSignal(input, 120);
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(120);
      const shown = bodiesOf(parts).map((body) => parseStyledLikeSignal(body).text);
      expect(withoutWhitespace(shown.join(''))).toBe(withoutWhitespace(parseStyledLikeSignal(input).text));
    }
  });

  it('random markdown and limits: parts within the limit, no marker left open, the text kept', () => {
    let state = 99;
    const next = () => {
      state = (state * 1_664_525 + 1_013_904_223) >>> 0;
      return state / 2 ** 32;
    };
    const pieces = ['**', '*', '_', '`', '~~', '\\', ' ', '\n', '\n\n', 'word', 'x', '👋🏾', '[a](b)', '# '];
    for (let round = 0; round < 300; round += 1) {
      const markdown = Array.from(
        { length: 50 + Math.floor(next() * 400) },
        () => pieces[Math.floor(next() * pieces.length)],
      ).join('');
      const styled = markdownToSignalStyled(markdown);
      const limit = 64 + Math.floor(next() * 200);
      const parts = splitForSignal(styled, limit);
      const shown = shownParts(parts, limit);
      expect(withoutWhitespace(shown.join('')), JSON.stringify(markdown)).toBe(
        withoutWhitespace(parseStyledLikeSignal(styled).text),
      );
    }
  });
});
