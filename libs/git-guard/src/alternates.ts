import { realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import { checkInsideRoots } from './path-inside-roots.js';
import { readBoundedFile } from './read-bounded-file.js';

/** git ignores alternates nested deeper than this; the inspector follows them as far. */
const maxAlternateDepth = 5;

/**
 * Checks `objects/info/alternates` of an object directory, and of every alternate it names, recursively as git
 * reads them: each entry (C-quoted or not; relative ones taken from the real path of the object directory, then
 * normalized) must lead inside the allowed roots. `objects/info/http-alternates` is only read by git's dumb-HTTP
 * client from a server, never from a local repository, so any entry in it is refused as having no use here.
 */
export async function checkAlternates(
  objectDirectory: string,
  allowedRoots: readonly string[],
  depth = 0,
): Promise<string[]> {
  const problems: string[] = [];
  const httpFile = `${objectDirectory}/info/http-alternates`;
  const http = await readBoundedFile(httpFile);
  if (http.kind === 'refused') problems.push(`${httpFile} ${http.reason}; refused`);
  if (http.kind === 'content' && http.bytes.toString('utf8').trim() !== '') {
    problems.push(`${httpFile} names other object stores; a local repository does not need it, remove it`);
  }
  const file = `${objectDirectory}/info/alternates`;
  const read = await readBoundedFile(file);
  if (read.kind === 'missing') return problems;
  if (read.kind === 'refused') return [...problems, `${file} ${read.reason}; refused`];
  const base = await realpath(objectDirectory).catch(() => objectDirectory);
  for (const entry of parseAlternates(read.bytes.toString('latin1'))) {
    const path = posix.normalize(entry.startsWith('/') ? entry : `${base}/${entry}`);
    const problem = await checkInsideRoots(`${file} entry ${JSON.stringify(entry)}`, path, allowedRoots);
    if (problem !== undefined) problems.push(problem);
    else if (depth < maxAlternateDepth)
      problems.push(...(await checkAlternates(path, allowedRoots, depth + 1)));
  }
  return problems;
}

/**
 * Splits an alternates file exactly as git's `parse_alt_odb_entry` does: lines starting with `#` are comments; a
 * line starting with `"` is C-unquoted (the quoted string may span lines, and the one character after the closing
 * quote is skipped); broken quoting falls back to the raw line. The text is decoded latin1 so bytes stay bytes.
 */
export function parseAlternates(text: string): string[] {
  const entries: string[] = [];
  const content = text.includes('\0') ? text.slice(0, text.indexOf('\0')) : text;
  let position = 0;
  while (position < content.length) {
    let entry: string;
    let end: number;
    const unquoted = content[position] === '"' ? unquoteCStyle(content, position) : undefined;
    if (content[position] === '#') {
      entry = '';
      end = lineEnd(content, position);
    } else if (unquoted !== undefined) {
      entry = unquoted.value;
      end = unquoted.end;
    } else {
      end = lineEnd(content, position);
      entry = content.slice(position, end);
    }
    position = end < content.length ? end + 1 : end;
    if (entry !== '') entries.push(Buffer.from(entry, 'latin1').toString('utf8'));
  }
  return entries;
}

function lineEnd(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline === -1 ? text.length : newline;
}

const simpleEscapes: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

/** git's `unquote_c_style` from the opening quote at `start`: the value and the index just after the closing quote. */
function unquoteCStyle(text: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  let position = start + 1;
  for (;;) {
    const character = text[position];
    if (character === undefined) return undefined;
    position += 1;
    if (character === '"') return { value, end: position };
    if (character !== '\\') {
      value += character;
      continue;
    }
    const escape = text[position] ?? '';
    position += 1;
    const simple = simpleEscapes[escape];
    if (simple !== undefined) {
      value += simple;
      continue;
    }
    const octal = /^[0-3][0-7][0-7]/.exec(text.slice(position - 1, position + 2));
    if (octal === null) return undefined;
    value += String.fromCharCode(Number.parseInt(octal[0], 8));
    position += 2;
  }
}
