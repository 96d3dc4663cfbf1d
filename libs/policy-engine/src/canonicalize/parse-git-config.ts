/** One `key = value` of a git config file. Section and key are lowercase; a subsection keeps its case. */
export interface GitConfigEntry {
  section: string;
  subsection: string | undefined;
  key: string;
  /** `true` for a key written without `=` (git's implicit boolean). */
  value: string | true;
}

/** Thrown for text git itself would reject ("bad config line"). */
export class GitConfigSyntaxError extends Error {
  constructor(line: number) {
    super(`bad config line ${line}`);
    this.name = 'GitConfigSyntaxError';
  }
}

/**
 * Parses git's config syntax — `[section]`, `[section "subsection"]`, the old `[section.subsection]`, `key = value`
 * with quotes, escapes, `\` line continuations and `#`/`;` comments — into entries in file order. It reads the
 * text only: nothing in it is run or followed (no includes, no hooks).
 */
export function parseGitConfig(text: string): GitConfigEntry[] {
  const parser = { text, index: 0, line: 1 };
  const entries: GitConfigEntry[] = [];
  let section: { name: string; subsection: string | undefined } | undefined;
  for (;;) {
    skipBlank(parser);
    const character = parser.text[parser.index];
    if (character === undefined) return entries;
    if (character === '#' || character === ';') skipToLineEnd(parser);
    else if (character === '[') section = readSectionHeader(parser);
    else if (/[A-Za-z]/.test(character) && section !== undefined) {
      const key = readMatch(parser, /[A-Za-z][A-Za-z0-9-]*/y)[0].toLowerCase();
      entries.push({ section: section.name, subsection: section.subsection, key, value: readValue(parser) });
    } else throw new GitConfigSyntaxError(parser.line);
  }
}

/** The values of `section[.subsection].key`, in file order (git takes the last for single-valued keys). */
export function gitConfigValues(
  entries: readonly GitConfigEntry[],
  section: string,
  subsection: string | undefined,
  key: string,
): (string | true)[] {
  return entries
    .filter((entry) => entry.section === section && entry.subsection === subsection && entry.key === key)
    .map((entry) => entry.value);
}

interface Parser {
  text: string;
  index: number;
  line: number;
}

function skipBlank(parser: Parser): void {
  for (
    let character = parser.text[parser.index];
    character !== undefined;
    character = parser.text[parser.index]
  ) {
    if (character === '\n') parser.line += 1;
    else if (!/\s/.test(character)) return;
    parser.index += 1;
  }
}

function skipToLineEnd(parser: Parser): void {
  while (parser.index < parser.text.length && parser.text[parser.index] !== '\n') parser.index += 1;
}

function readMatch(parser: Parser, pattern: RegExp): RegExpExecArray {
  pattern.lastIndex = parser.index;
  const match = pattern.exec(parser.text);
  if (match === null) throw new GitConfigSyntaxError(parser.line);
  parser.index += match[0].length;
  return match;
}

function readSectionHeader(parser: Parser): { name: string; subsection: string | undefined } {
  const match = readMatch(parser, /\[[ \t]*([A-Za-z0-9.-]+)(?:[ \t]+"((?:[^"\\\n]|\\.)*)")?[ \t]*\]/y);
  const name = match[1] as string;
  if (match[2] !== undefined)
    return { name: name.toLowerCase(), subsection: match[2].replace(/\\(.)/g, '$1') };
  const dot = name.indexOf('.');
  if (dot === -1) return { name: name.toLowerCase(), subsection: undefined };
  // The deprecated `[section.subsection]` form: git lowercases the subsection too.
  return { name: name.slice(0, dot).toLowerCase(), subsection: name.slice(dot + 1).toLowerCase() };
}

function readValue(parser: Parser): string | true {
  while (parser.text[parser.index] === ' ' || parser.text[parser.index] === '\t') parser.index += 1;
  const next = parser.text[parser.index];
  if (next === undefined || next === '\n' || next === '#' || next === ';') return true;
  if (next !== '=') throw new GitConfigSyntaxError(parser.line);
  parser.index += 1;
  return readValueText(parser);
}

const escapes: Readonly<Record<string, string>> = { n: '\n', t: '\t', b: '\b', '"': '"', '\\': '\\' };

function readValueText(parser: Parser): string {
  let value = '';
  let pendingSpace = '';
  let isQuoted = false;
  for (;;) {
    const character = parser.text[parser.index];
    if (character === undefined || (character === '\n' && !isQuoted)) break;
    parser.index += 1;
    if (character === '\n') throw new GitConfigSyntaxError(parser.line);
    if (!isQuoted && (character === '#' || character === ';')) {
      skipToLineEnd(parser);
      break;
    }
    if (!isQuoted && (character === ' ' || character === '\t' || character === '\r')) {
      if (value !== '') pendingSpace += character;
      continue;
    }
    value += pendingSpace;
    pendingSpace = '';
    if (character === '"') isQuoted = !isQuoted;
    else if (character === '\\') value += readEscape(parser);
    else value += character;
  }
  if (isQuoted) throw new GitConfigSyntaxError(parser.line);
  return value;
}

function readEscape(parser: Parser): string {
  const escaped = parser.text[parser.index];
  parser.index += 1;
  if (escaped === '\n') {
    parser.line += 1;
    return '';
  }
  const replacement = escaped === undefined ? undefined : escapes[escaped];
  if (replacement === undefined) throw new GitConfigSyntaxError(parser.line);
  return replacement;
}
