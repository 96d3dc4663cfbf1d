// A strict JSON syntax checker that reports where the text breaks and why, without quoting it. V8's own JSON.parse
// messages quote the text around the error ("Unexpected token 's', ..."apiKey": sk-ant-..."), which would print
// secrets from config.json to the terminal.

/** Where and why a text stops being valid JSON. */
export interface JsonSyntaxError {
  /** Zero-based offset of the first character that breaks the grammar (the length at end of input). */
  offset: number;
  line: number;
  column: number;
  reason: string;
}

class SyntaxStop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

const whitespace = new Set([' ', '\t', '\n', '\r']);
const simpleEscapes = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const hexDigitsPattern = /^[0-9a-fA-F]{4}$/;

/** The first syntax error in `text`, or undefined when it is valid JSON (the grammar of RFC 8259). */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const scanner = new JsonScanner(text);
  try {
    scanner.document();
    return undefined;
  } catch (error) {
    if (!(error instanceof SyntaxStop)) throw error;
    return { offset: error.offset, ...lineAndColumn(text, error.offset), reason: error.reason };
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastNewline = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastNewline };
}

class JsonScanner {
  private offset = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.skipWhitespace();
    this.value();
    this.skipWhitespace();
    if (this.offset < this.text.length) this.stop('unexpected text after the end of the JSON value');
  }

  private value(): void {
    const character = this.text[this.offset];
    if (character === '{') return this.object();
    if (character === '[') return this.array();
    if (character === '"') return this.string();
    if (character === '-' || (character !== undefined && character >= '0' && character <= '9'))
      return this.number();
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, this.offset)) {
        this.offset += literal.length;
        return;
      }
    }
    this.stop(character === undefined ? 'unexpected end of input, expected a value' : 'expected a value');
  }

  private object(): void {
    this.offset += 1;
    this.skipWhitespace();
    if (this.consume('}')) return;
    for (;;) {
      if (this.text[this.offset] !== '"') this.stop('expected a double-quoted property name');
      this.string();
      this.skipWhitespace();
      if (!this.consume(':')) this.stop("expected ':' after the property name");
      this.skipWhitespace();
      this.value();
      this.skipWhitespace();
      if (this.consume('}')) return;
      if (!this.consume(',')) this.stop("expected ',' or '}' after the property value");
      this.skipWhitespace();
    }
  }

  private array(): void {
    this.offset += 1;
    this.skipWhitespace();
    if (this.consume(']')) return;
    for (;;) {
      this.value();
      this.skipWhitespace();
      if (this.consume(']')) return;
      if (!this.consume(',')) this.stop("expected ',' or ']' after the array element");
      this.skipWhitespace();
    }
  }

  private string(): void {
    this.offset += 1;
    for (;;) {
      const character = this.text[this.offset];
      if (character === undefined) this.stop('unterminated string');
      if (character === '"') {
        this.offset += 1;
        return;
      }
      if (character.charCodeAt(0) < 0x20) this.stop('control character in a string (escape it)');
      if (character === '\\') this.escape();
      else this.offset += 1;
    }
  }

  private escape(): void {
    const escaped = this.text[this.offset + 1];
    if (escaped !== undefined && simpleEscapes.has(escaped)) {
      this.offset += 2;
      return;
    }
    if (escaped === 'u' && hexDigitsPattern.test(this.text.slice(this.offset + 2, this.offset + 6))) {
      this.offset += 6;
      return;
    }
    this.stop('bad escape sequence in a string');
  }

  private number(): void {
    numberPattern.lastIndex = this.offset;
    const match = numberPattern.exec(this.text);
    if (match === null) this.stop('malformed number');
    this.offset += match[0].length;
  }

  private skipWhitespace(): void {
    while (whitespace.has(this.text[this.offset] ?? '')) this.offset += 1;
  }

  private consume(character: string): boolean {
    if (this.text[this.offset] !== character) return false;
    this.offset += 1;
    return true;
  }

  private stop(reason: string): never {
    throw new SyntaxStop(this.offset, reason);
  }
}
