// The agent's markdown as Signal styled text, checked through an oracle of signal-cli-rest-api's parser: what the
// phone shows (text) and which spans it styles. Hostile text must arrive whole and inert.
import { describe, expect, it } from 'vitest';
import { markdownToSignalStyled, neutralizeForPhone } from '../src/domain/signal-text.js';
import { styledTextOf, TextStyle } from '../src/domain/styled-text.js';
import { parseStyledLikeSignal, styleAt } from './styled-text-oracle.js';

/** What the phone shows for the styled text, and the style of each character. */
function shown(styled: string): { text: string; styles: string[] } {
  const parsed = parseStyledLikeSignal(styled);
  expect(parsed.unclosed, `unclosed markers in ${JSON.stringify(styled)}`).toBe(0);
  return { text: parsed.text, styles: parsed.styles };
}

/** The style of each character of `part` in the shown text (first occurrence). */
function styleOf(styled: string, part: string): string[] {
  const parsed = parseStyledLikeSignal(styled);
  const start = parsed.text.indexOf(part);
  expect(start, `"${part}" not shown in ${JSON.stringify(parsed.text)}`).toBeGreaterThanOrEqual(0);
  return [...new Set(styleAt(parsed).slice(start, start + part.length))];
}

/** A seeded generator, so a failing case can be replayed. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('the oracle reads styled text as signal-cli-rest-api does (its own test cases)', () => {
  it.each([
    ['*italic*', 'italic', ['0:6:ITALIC']],
    ['**bold**', 'bold', ['0:4:BOLD']],
    [
      'This is a ~strikethrough~ and a **bold** message',
      'This is a strikethrough and a bold message',
      ['10:13:STRIKETHROUGH', '30:4:BOLD'],
    ],
    [
      'This is a `monospace` and a **bold** message',
      'This is a monospace and a bold message',
      ['10:9:MONOSPACE', '26:4:BOLD'],
    ],
    ['👋🏾**abcdefg**', '👋🏾abcdefg', ['4:7:BOLD']],
    ['||**this is bold in a spoiler**||', 'this is bold in a spoiler', ['0:25:BOLD', '0:25:SPOILER']],
    ['\\**escaped text\\**', '**escaped text**', []],
    ['Test \\** \\* \\~ Escape', 'Test ** * ~ Escape', []],
    ['***Bold Italic Text***', 'Bold Italic Text', ['0:16:BOLD', '0:16:ITALIC']],
  ])('%j', (input, text, styles) => {
    expect(parseStyledLikeSignal(input)).toEqual({ text, styles, unclosed: 0 });
  });
});

describe('neutralizeForPhone', () => {
  it('shows bidi controls, zero-width characters and C0/C1 controls as visible escapes', () => {
    expect(neutralizeForPhone('pay\u202Eexe.txt')).toBe('pay\\u202eexe.txt');
    expect(neutralizeForPhone('a\u2066b\u2069c\u200Fd')).toBe('a\\u2066b\\u2069c\\u200fd');
    expect(neutralizeForPhone('ad\u200Dmin\u200B\uFEFF')).toBe('ad\\u200dmin\\u200b\\ufeff');
    expect(neutralizeForPhone('\u001b[2J\u0007\u0000')).toBe('\\x1b[2J\\x07\\x00');
    expect(neutralizeForPhone('\u009b31m\u0085\u007f')).toBe('\\x9b31m\\x85\\x7f');
    expect(neutralizeForPhone('tag\u{E0041}\u{E0042}')).toBe('tag\\u{e0041}\\u{e0042}');
    expect(neutralizeForPhone('lone \uD800 surrogate')).toBe('lone \\ud800 surrogate');
    expect(neutralizeForPhone('line\u2028separator\u2029')).toBe('line\\u2028separator\\u2029');
  });

  it('keeps line feeds, turns CRLF into LF and tabs into spaces; a lone CR is shown', () => {
    expect(neutralizeForPhone('a\r\nb\nc\td\re')).toBe('a\nb\nc    d\\x0de');
  });

  it('leaves safe text, emoji, accents, other scripts and style markers as they are (and is idempotent)', () => {
    const safe = 'Grüße 👋🏾 日本語 — **bold** ~x~ `y` ||z|| \\* 🇩🇪';
    expect(neutralizeForPhone(safe)).toBe(safe);
    const hostile = 'x\u202Ey\u200Dz\u001b';
    expect(neutralizeForPhone(neutralizeForPhone(hostile))).toBe(neutralizeForPhone(hostile));
  });

  it('leaves no unsafe character in 100 kB of mixed hostile text', () => {
    const text = 'ok \u202E\u200D\u0000\u009b\u{E0001}\t\r'.repeat(10_000);
    const safe = neutralizeForPhone(text);
    expect(/[\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|(?!\n)\p{Cc}/u.test(safe)).toBe(false);
    expect(safe.match(/\\u202e/g)).toHaveLength(10_000);
  });
});

describe('markdownToSignalStyled', () => {
  it('turns headings into bold lines and keeps the emphasis inside them', () => {
    const styled = markdownToSignalStyled('## Plan for *today* ##\ntext');
    expect(shown(styled).text).toBe('Plan for today\ntext');
    expect(styleOf(styled, 'Plan for')).toEqual(['BOLD']);
    expect(styleOf(styled, 'today')).toEqual(['BOLD+ITALIC']);
    expect(styleOf(styled, 'text')).toEqual(['']);
  });

  it('converts bold, italic, both, strikethrough, code and links', () => {
    const styled = markdownToSignalStyled(
      'a **b** c __d__ e *f* g _h_ i ***j*** k ~~l~~ m `n *o*` p [docs](https://x.example/a_b) q',
    );
    expect(shown(styled).text).toBe('a b c d e f g h i j k l m n *o* p docs (https://x.example/a_b) q');
    expect(styleOf(styled, 'b')).toEqual(['BOLD']);
    expect(styleOf(styled, 'd')).toEqual(['BOLD']);
    expect(styleOf(styled, 'f')).toEqual(['ITALIC']);
    expect(styleOf(styled, 'h')).toEqual(['ITALIC']);
    expect(styleOf(styled, 'j')).toEqual(['BOLD+ITALIC']);
    expect(styleOf(styled, 'l')).toEqual(['STRIKETHROUGH']);
    expect(styleOf(styled, 'n *o*')).toEqual(['MONOSPACE']);
    expect(styleOf(styled, 'docs (https://x.example/a_b)')).toEqual(['']);
  });

  it('nests emphasis and code inside bold', () => {
    const styled = markdownToSignalStyled('**bold *both* and `code` end**');
    expect(shown(styled).text).toBe('bold both and code end');
    expect(styleOf(styled, 'bold')).toEqual(['BOLD']);
    expect(styleOf(styled, 'both')).toEqual(['BOLD+ITALIC']);
    expect(styleOf(styled, 'code')).toEqual(['BOLD+MONOSPACE']);
    expect(styleOf(styled, 'end')).toEqual(['BOLD']);
  });

  it('makes every line of a fenced code block monospace and drops the fences', () => {
    const styled = markdownToSignalStyled(
      'before\n```ts\nconst a = `x` * 2;\n\n  return a; // **not bold**\n```\nafter',
    );
    expect(shown(styled).text).toBe('before\nconst a = `x` * 2;\n\n  return a; // **not bold**\nafter');
    expect(styleOf(styled, 'const a = `x` * 2;')).toEqual(['MONOSPACE']);
    expect(styleOf(styled, '  return a; // **not bold**')).toEqual(['MONOSPACE']);
    expect(styleOf(styled, 'after')).toEqual(['']);
  });

  it('runs an unclosed fence to the end, and keeps ~~~ fences apart from ``` ones', () => {
    const styled = markdownToSignalStyled('~~~\n```\ncode\n');
    expect(shown(styled).text).toBe('```\ncode\n');
    expect(styleOf(styled, '```')).toEqual(['MONOSPACE']);
  });

  it('keeps lists, quotes, tables, rules and snake_case as written', () => {
    const markdown = [
      '* star item',
      '- dash item',
      '1. first',
      '> quoted',
      '| a | b |',
      '***',
      'snake_case_name and 2 * 3 * 4 and a_b_c',
    ].join('\n');
    const styled = markdownToSignalStyled(markdown);
    expect(shown(styled)).toEqual({ text: markdown, styles: [] });
  });

  it('shows unbalanced and crossed markers as text, never losing a character', () => {
    for (const markdown of [
      '**never closed',
      'closed never**',
      '*a **b* c**',
      '`unclosed code',
      '~~strike',
      '[not a link](',
      '***a* b**',
      '**b***c*',
      '_a *b_ c*',
    ]) {
      const text = shown(markdownToSignalStyled(markdown)).text;
      expect(text.replace(/[*_~`]/g, '')).toBe(markdown.replace(/[*_~`]/g, ''));
    }
    expect(shown(markdownToSignalStyled('**never closed')).text).toBe('**never closed');
  });

  it('never lets the agent set a style with Signal markers of its own', () => {
    const styled = markdownToSignalStyled('||spoiler|| ~one tilde~ \\*escaped\\* a|b');
    expect(shown(styled)).toEqual({ text: '||spoiler|| ~one tilde~ *escaped* a|b', styles: [] });
  });

  it('keeps backslashes next to styles (a Windows path in code, a backslash at the end of bold)', () => {
    const styled = markdownToSignalStyled('`C:\\Users\\` and **tail\\\\** and *x\\\\*');
    expect(shown(styled).text).toBe('C:\\Users\\ and tail\\ and x\\');
    expect(styleOf(styled, 'C:\\Users')).toEqual(['MONOSPACE']);
    expect(styleOf(styled, 'tail')).toEqual(['BOLD']);
  });

  it('neutralizes controls and invisible characters in the agent text', () => {
    const styled = markdownToSignalStyled('**ok\u202E** `\u001b[2J` a\u200Db');
    expect(shown(styled).text).toBe('ok\\u202e \\x1b[2J a\\u200db');
  });

  it('keeps emoji and other scripts intact', () => {
    const styled = markdownToSignalStyled('**Grüße 👋🏾** _日本語_ 🇩🇪');
    expect(shown(styled).text).toBe('Grüße 👋🏾 日本語 🇩🇪');
    expect(styleOf(styled, 'Grüße 👋🏾')).toEqual(['BOLD']);
  });

  it('handles empty text and 100 kB of hostile markdown quickly, keeping every letter', () => {
    expect(markdownToSignalStyled('')).toBe('');
    for (const unit of ['*', '_a', '[', '`', '**a', '~~', '\\', '# ', '[a](', '#'.repeat(7)]) {
      const markdown = `x ${unit.repeat(Math.ceil(100_000 / unit.length))} y`;
      const started = performance.now();
      const text = shown(markdownToSignalStyled(markdown)).text;
      expect(performance.now() - started).toBeLessThan(2000);
      expect(text.replace(/[^a-z]/g, '')).toBe(markdown.replace(/[^a-z]/g, ''));
    }
  });

  it('random markdown: the styled text always parses cleanly and keeps every letter in order', () => {
    const next = randomSource(20_260_817);
    const alphabet = [
      '*',
      '**',
      '_',
      '__',
      '~~',
      '~',
      '`',
      '\\',
      '|',
      '[',
      ']',
      '(',
      ')',
      ' ',
      '\n',
      'a',
      'b',
      'é',
      '😀',
      '#',
    ];
    for (let round = 0; round < 3000; round += 1) {
      const length = Math.floor(next() * 40);
      const markdown = Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      if (/(^|\n) {0,3}(```|~~~)/.test(markdown)) continue; // a fence's info string is dropped on purpose
      const text = shown(markdownToSignalStyled(markdown)).text;
      expect(text.replace(/[^abé😀]/gu, ''), JSON.stringify(markdown)).toBe(
        markdown.replace(/[^abé😀]/gu, ''),
      );
    }
  });
});

describe('styledTextOf (the writer every styled message goes through)', () => {
  const styles = [
    TextStyle.plain,
    TextStyle.bold,
    TextStyle.italic,
    TextStyle.bold | TextStyle.italic,
    TextStyle.strikethrough,
    TextStyle.monospace,
    TextStyle.monospace | TextStyle.bold,
    TextStyle.strikethrough | TextStyle.italic | TextStyle.monospace,
  ];
  const names = (style: number) =>
    [
      style & TextStyle.bold ? 'BOLD' : '',
      style & TextStyle.italic ? 'ITALIC' : '',
      style & TextStyle.monospace ? 'MONOSPACE' : '',
      style & TextStyle.strikethrough ? 'STRIKETHROUGH' : '',
    ]
      .filter(Boolean)
      .sort()
      .join('+');

  it('random runs of marker characters: the phone shows exactly their text, with no marker left open', () => {
    const next = randomSource(7);
    const pieces = ['*', '**', '\\', '~', '`', '|', '||', 'a', ' ', 'b c', '\\*', '👋🏾'];
    for (let round = 0; round < 5000; round += 1) {
      const runs = Array.from({ length: 1 + Math.floor(next() * 5) }, () => ({
        text: Array.from(
          { length: Math.floor(next() * 4) },
          () => pieces[Math.floor(next() * pieces.length)],
        ).join(''),
        style: styles[Math.floor(next() * styles.length)] ?? 0,
      }));
      const styled = styledTextOf(runs);
      const parsed = parseStyledLikeSignal(styled);
      const expected = runs.map((run) => run.text).join('');
      expect({ text: parsed.text, unclosed: parsed.unclosed }, JSON.stringify(runs)).toEqual({
        text: expected,
        unclosed: 0,
      });
    }
  });

  it('gives each run its style exactly when no seam needs adjusting', () => {
    const next = randomSource(11);
    for (let round = 0; round < 2000; round += 1) {
      const runs = Array.from({ length: 1 + Math.floor(next() * 4) }, (_, index) => ({
        text: `w${index}${'*~`|'[Math.floor(next() * 4)]}x`,
        style: styles[Math.floor(next() * styles.length)] ?? 0,
      }));
      const isStarOnly = (style: number) => style !== 0 && (style & ~3) === 0;
      const hasStarSeam = runs.some(
        (run, index) =>
          index > 0 &&
          isStarOnly(run.style) &&
          isStarOnly(runs[index - 1]?.style ?? 0) &&
          run.style !== runs[index - 1]?.style,
      );
      if (hasStarSeam) continue;
      const parsed = parseStyledLikeSignal(styledTextOf(runs));
      expect(styleAt(parsed)).toEqual(runs.flatMap((run) => Array.from(run.text, () => names(run.style))));
    }
  });

  it('moves whitespace out of touching bold/italic runs, and keeps the text when it must drop a style', () => {
    const spaced = styledTextOf([
      { text: 'bold ', style: TextStyle.bold },
      { text: 'italic', style: TextStyle.italic },
    ]);
    expect(styleOf(spaced, 'bold')).toEqual(['BOLD']);
    expect(styleOf(spaced, 'italic')).toEqual(['ITALIC']);
    const touching = styledTextOf([
      { text: 'bold', style: TextStyle.bold },
      { text: 'italic', style: TextStyle.italic },
    ]);
    expect(shown(touching).text).toBe('bolditalic');
    expect(styleOf(touching, 'bold')).toEqual(['BOLD']);
  });
});
