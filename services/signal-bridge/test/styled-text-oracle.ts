// A test oracle: what signal-cli-rest-api does with a message sent with `text_mode: "styled"`, written from the
// behaviour of its parser (src/utils/textstyleparser.go and its tests), step by step as that parser reads: one
// character at a time, remembering the previous one, with a stack of open markers. It is deliberately separate from
// the bridge's own reader (src/domain/styled-tokens.ts), so the two check each other.

export interface ParsedStyledText {
  /** The text the phone shows. */
  text: string;
  /** `start:length:STYLE` in UTF-16 units, as the parser hands them to signal-cli. */
  styles: string[];
  /** Markers still open at the end: the parser drops them silently (a style was meant and lost). */
  unclosed: number;
}

type Token = 'italic' | 'bold' | 'bold-italic' | 'monospace' | 'strikethrough' | 'spoiler';

const styleNames: Record<Exclude<Token, 'bold-italic'>, string> = {
  italic: 'ITALIC',
  bold: 'BOLD',
  monospace: 'MONOSPACE',
  strikethrough: 'STRIKETHROUGH',
  spoiler: 'SPOILER',
};

export function parseStyledLikeSignal(input: string): ParsedStyledText {
  const characters = Array.from(input);
  let text = '';
  const styles: string[] = [];
  const stack: { begin: number; token: Token }[] = [];
  const handle = (token: Token) => {
    const top = stack.at(-1);
    if (top === undefined || top.token !== token) {
      stack.push({ begin: text.length, token });
      return;
    }
    stack.pop();
    const length = text.length - top.begin;
    if (token === 'bold-italic') {
      styles.push(`${top.begin}:${length}:BOLD`, `${top.begin}:${length}:ITALIC`);
    } else {
      styles.push(`${top.begin}:${length}:${styleNames[token]}`);
    }
  };
  let previous = '';
  let index = 0;
  while (index < characters.length) {
    const character = characters[index] ?? '';
    index += 1;
    const next = characters[index];
    const isEscaped = previous === '\\';
    if (character === '*') {
      let run = '*';
      if (next === '*') {
        index += 1;
        run = '**';
        if (characters[index] === '*') {
          index += 1;
          run = '***';
        }
      }
      if (isEscaped) text += run;
      else handle(run === '*' ? 'italic' : run === '**' ? 'bold' : 'bold-italic');
    } else if (character === '|' && next === '|') {
      index += 1;
      if (isEscaped) text += '||';
      else handle('spoiler');
    } else if (character === '~') {
      if (isEscaped) text += '~';
      else handle('strikethrough');
    } else if (character === '`') {
      if (isEscaped) text += '`';
      else handle('monospace');
    } else if (character === '\\' && next !== undefined && '*`|~'.includes(next)) {
      // The escape itself is dropped; it only marks the next character.
    } else {
      text += character;
    }
    previous = character;
  }
  return { text, styles, unclosed: stack.length };
}

/** For each UTF-16 position of the parsed text, the set of styles on it (sorted names joined by `+`). */
export function styleAt(parsed: ParsedStyledText): string[] {
  const perPosition: Set<string>[] = Array.from({ length: parsed.text.length }, () => new Set<string>());
  for (const style of parsed.styles) {
    const [start, length, name] = style.split(':');
    for (let position = Number(start); position < Number(start) + Number(length); position += 1) {
      perPosition[position]?.add(name ?? '');
    }
  }
  return perPosition.map((names) => [...names].sort().join('+'));
}
