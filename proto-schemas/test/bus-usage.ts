// Reads TypeScript sources for the bus calls they make with a schema constant — `serve(bus, X`, `request(bus, X`,
// `requestUntilSettled(bus, X`, `publish(bus, X`, `subscribe(bus, X` and `openKeyValue(bus, name` — so a test can
// hold them against the access declaration. A text scan, not a compiler: it only counts calls to functions the file
// imports from @ironcurtain/bus, and it reports what it cannot resolve instead of skipping it.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import * as schemas from '@ironcurtain/proto-schemas';
import type { Endpoint, EventDefinition } from '@ironcurtain/proto-schemas';

/** What one bus call uses. */
export type BusUseBody =
  | { kind: 'serve' | 'request'; definition: Endpoint; isAddressed: boolean }
  | { kind: 'publish' | 'subscribe'; definition: EventDefinition }
  | { kind: 'bucket'; bucket: string; isWriting: boolean }
  | { kind: 'unresolved'; text: string };

/** One bus call found in a source file. */
export type BusUse = { file: string; line: number } & BusUseBody;

const callNames = [
  'serve',
  'request',
  'requestUntilSettled',
  'publish',
  'subscribe',
  'openKeyValue',
] as const;
type CallName = (typeof callNames)[number];

/** Every `.ts` file under `directory`, recursively. */
export async function sourceFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** The names a file imports from `module` (`import { a, b as c, type D }`: a and b). */
export function importedNames(source: string, module: string): Set<string> {
  const names = new Set<string>();
  const pattern = new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*'${module.replace('/', '\\/')}'`, 'g');
  for (const match of source.matchAll(pattern)) {
    for (const part of (match[1] ?? '').split(',')) {
      const name =
        part
          .trim()
          .split(/\s+as\s+/)[0]
          ?.trim() ?? '';
      if (name !== '' && !name.startsWith('type ')) names.add(name);
    }
  }
  return names;
}

/** The second argument of the call whose `(` is at `open`: the text up to the next comma at depth 0. */
function secondArgument(source: string, open: number): string | undefined {
  let depth = 0;
  let start: number | undefined;
  for (let index = open + 1; index < source.length; index += 1) {
    const character = source[index];
    if (character === '(' || character === '[' || character === '{') depth += 1;
    else if (character === ')' || character === ']' || character === '}') {
      if (depth === 0) return start === undefined ? undefined : source.slice(start, index).trim();
      depth -= 1;
    } else if (character === ',' && depth === 0) {
      if (start !== undefined) return source.slice(start, index).trim();
      start = index + 1;
    }
  }
  return undefined;
}

const exported = schemas as unknown as Record<string, unknown>;

function definitionNamed(name: string): Endpoint | EventDefinition | undefined {
  const value = exported[name] as { kind?: unknown } | undefined;
  return value?.kind === 'endpoint' || value?.kind === 'event'
    ? (value as Endpoint | EventDefinition)
    : undefined;
}

/** `const name = 'value'` anywhere in `sources` (a bucket name a service keeps as a constant). */
function constantValue(name: string, sources: readonly string[]): string | undefined {
  const fromSchemas = exported[name];
  if (typeof fromSchemas === 'string') return fromSchemas;
  const pattern = new RegExp(`const\\s+${name}\\s*=\\s*'([^']+)'`);
  for (const source of sources) {
    const match = pattern.exec(source);
    if (match !== null) return match[1];
  }
  return undefined;
}

// A file that opens a bucket and also puts, creates, deletes or purges keys writes it; one that only gets or
// watches reads it. Stores keep one bucket per file, so the file is the unit.
const writesKeys = /\bputJson\(|\.(put|create|update|delete|purge)\(/;

function usesOf(call: CallName, argument: string, source: string, sources: readonly string[]): BusUseBody[] {
  if (call === 'openKeyValue') {
    const literal = /^'([^']+)'$/.exec(argument)?.[1];
    const bucket = literal ?? (/^\w+$/.test(argument) ? constantValue(argument, sources) : undefined);
    if (bucket === undefined) return [{ kind: 'unresolved', text: `openKeyValue(…, ${argument}` }];
    return [{ kind: 'bucket', bucket, isWriting: writesKeys.test(source) }];
  }
  const uses: BusUseBody[] = [];
  // `mcpgwExecuteAt(id)` is McpgwExecute addressed to one gateway instance.
  const isAddressed = /\bmcpgwExecuteAt\(/.test(argument);
  if (isAddressed)
    uses.push({
      kind: call === 'serve' ? 'serve' : 'request',
      definition: schemas.McpgwExecute,
      isAddressed,
    });
  for (const identifier of argument.match(/\b[A-Za-z]\w*\b/g) ?? []) {
    const definition = definitionNamed(identifier);
    if (
      definition?.kind === 'endpoint' &&
      (call === 'serve' || call === 'request' || call === 'requestUntilSettled')
    ) {
      uses.push({ kind: call === 'serve' ? 'serve' : 'request', definition, isAddressed: false });
    } else if (definition?.kind === 'event' && (call === 'publish' || call === 'subscribe')) {
      uses.push({ kind: call, definition });
    }
  }
  return uses.length > 0 ? uses : [{ kind: 'unresolved', text: `${call}(…, ${argument}` }];
}

/**
 * The bus calls of every file under `directory`, with paths relative to `root`. A bucket named by a constant is
 * looked up in proto-schemas' exports and in the files under `directory`.
 */
export async function busUsesIn(directory: string, root: string): Promise<BusUse[]> {
  const files = await sourceFiles(directory);
  const sources = await Promise.all(files.map((file) => readFile(file, 'utf8')));
  const uses: BusUse[] = [];
  files.forEach((file, index) => {
    const source = sources[index] ?? '';
    const imported = importedNames(source, '@ironcurtain/bus');
    for (const call of callNames.filter((name) => imported.has(name))) {
      for (const match of source.matchAll(new RegExp(`\\b${call}\\(`, 'g'))) {
        const open = (match.index ?? 0) + call.length;
        const argument = secondArgument(source, open);
        if (argument === undefined) continue;
        const line = source.slice(0, open).split('\n').length;
        for (const use of usesOf(call, argument, source, sources)) {
          uses.push({ file: relative(root, file), line, ...use });
        }
      }
    }
  });
  return uses;
}
