// terminalSafe and friends against a corpus of hostile strings, checked in a real terminal emulator (xterm.js
// headless): the screen shows exactly the safe text, and nothing else happened (no title, clipboard, hyperlink,
// answer, bell, cursor jump, scroll region, mode or attribute).
import { describe, expect, it } from 'vitest';
import { terminalSafe, terminalSafeLines, terminalSafeText } from '../src/index.js';
import { hostileStrings, invisibleStrings } from './hostile-corpus.js';
import { renderInTerminal } from '@ironcurtain/testing';

// Anything but printable text and the line feed: what must never reach the terminal from terminalSafe*.
const rawUnsafe = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;

async function expectInert(shown: string): Promise<void> {
  expect(shown.replace(/\n/g, '')).not.toMatch(rawUnsafe);
  const screen = await renderInTerminal(`${shown}\n`);
  expect(screen.lines).toEqual(shown.split('\n'));
  expect(screen.effects).toEqual([]);
  expect(screen.cursor).toEqual({ x: 0, y: shown.split('\n').length });
  expect(screen.hasDefaultModes).toBe(true);
  expect(screen.scrollsNormally).toBe(true);
}

describe('the emulator check itself', () => {
  it.each(hostileStrings)('sees what raw "$name" does', async ({ text, rawEffect }) => {
    const screen = await renderInTerminal(`${text}\n`);
    if (rawEffect === 'hidden') expect(screen.lines.join('\n')).not.toBe(text);
    else expect(screen.effects).toContain(rawEffect);
  });

  it('sees a raw scroll region confine what follows', async () => {
    expect((await renderInTerminal('a\x1b[1;2r\n')).scrollsNormally).toBe(false);
  });
});

describe('terminalSafe', () => {
  it.each(hostileStrings)('shows "$name" as text and does nothing else', async ({ text }) => {
    await expectInert(terminalSafe(text));
  });

  it.each(invisibleStrings)('shows "$name" as visible escapes', async ({ text }) => {
    const shown = terminalSafe(text);
    expect(shown).toMatch(/\\(x|u)/);
    await expectInert(shown);
  });

  it('spells escapes the JavaScript way', () => {
    expect(terminalSafe('\x1b[2J')).toBe('\\x1b[2J');
    expect(terminalSafe('a\u009bb')).toBe('a\\x9bb');
    expect(terminalSafe('\x7f\x00')).toBe('\\x7f\\x00');
    expect(terminalSafe('x\u202ey')).toBe('x\\u202ey');
    expect(terminalSafe('\u{e0041}')).toBe('\\u{e0041}');
    expect(terminalSafe('line\nnext\tcell')).toBe('line\\x0anext\\x09cell');
  });

  it('leaves ordinary text alone, wide and accented characters and emoji included', async () => {
    const text = 'Grüße, 東京, naïve café, 👍, → «quoted» ✓ \\x1b stays a backslash';
    expect(terminalSafe(text)).toBe(text);
    await expectInert(text);
  });

  it('is inert for every code point of the control, format and invisible ranges', async () => {
    const ranges = [
      [0x0000, 0x00ff],
      [0x0600, 0x061f],
      [0x180b, 0x180f],
      [0x2000, 0x206f],
      [0xd800, 0xdfff],
      [0xfe00, 0xfeff],
      [0xfff0, 0xfffb],
      [0xe0000, 0xe007f],
      [0xe0100, 0xe01ef],
    ] as const;
    let text = '';
    for (const [first, last] of ranges) {
      for (let codePoint = first; codePoint <= last; codePoint += 1) text += String.fromCodePoint(codePoint);
    }
    const shown = terminalSafe(text);
    expect(shown).not.toMatch(rawUnsafe);
    const screen = await renderInTerminal(`${shown}\n`);
    expect(screen.effects).toEqual([]);
    expect(screen.hasDefaultModes).toBe(true);
    expect(screen.scrollsNormally).toBe(true);
  });

  it('cuts visibly and says how much was cut', async () => {
    expect(terminalSafe('abcdefghij', { maxLength: 4 })).toBe('abcd… (6 more characters)');
    expect(terminalSafe('abcde', { maxLength: 4 })).toBe('abcd… (1 more character)');
    expect(terminalSafe('abcd', { maxLength: 4 })).toBe('abcd');
    // Escapes count as what they are written with, and an escape is never cut in half.
    expect(terminalSafe('ab\x1b[2J', { maxLength: 5 })).toBe('ab… (4 more characters)');
    expect(terminalSafe('👍👍👍', { maxLength: 2 })).toBe('👍👍… (1 more character)');
    await expectInert(terminalSafe(`${'\x1b]52;c;AAAA\x07'.repeat(50)}`, { maxLength: 40 }));
  });
});

describe('terminalSafeLines and terminalSafeText', () => {
  it('keeps line breaks, escapes everything else, and expands tabs', async () => {
    const text = 'first\x1b[2J\r\n\tindented\u202e\nlast\rover';
    const { lines, totalLines, hiddenLines } = terminalSafeLines(text);
    expect(lines).toEqual(['first\\x1b[2J', '    indented\\u202e', 'last\\x0dover']);
    expect([totalLines, hiddenLines]).toEqual([3, 0]);
    await expectInert(terminalSafeText(text));
  });

  it('cuts lines and long lines visibly', async () => {
    const code = Array.from({ length: 30 }, (_, index) => `line ${index + 1}`).join('\n');
    const excerpt = terminalSafeLines(`${code}\n`, { maxLines: 12 });
    expect(excerpt.lines).toHaveLength(12);
    expect([excerpt.totalLines, excerpt.hiddenLines]).toEqual([30, 18]);
    const text = terminalSafeText(`${'x'.repeat(50)}\n${code}`, { maxLines: 3, maxLineLength: 10 });
    expect(text).toBe('xxxxxxxxxx… (40 more characters)\nline 1\nline 2\n… 28 more lines');
    await expectInert(text);
  });
});
