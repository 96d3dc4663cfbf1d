// debootstrap fetches from the Debian mirror this machine's apt already uses: it is the one known to be reachable.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const defaultMirror = 'http://deb.debian.org/debian';
const sourcesFolder = '/etc/apt/sources.list.d';

/**
 * The URI of the first apt source serving Debian `bookworm` (not bookworm-security or -updates), from
 * /etc/apt/sources.list and /etc/apt/sources.list.d (one-line `.list` and deb822 `.sources` files); else
 * http://deb.debian.org/debian.
 */
export async function readDebianMirror(): Promise<string> {
  const files = ['/etc/apt/sources.list'];
  const entries = await readdir(sourcesFolder).catch(() => [] as string[]);
  for (const entry of entries.sort()) {
    if (entry.endsWith('.list') || entry.endsWith('.sources')) files.push(join(sourcesFolder, entry));
  }
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const mirror = file.endsWith('.sources') ? mirrorInDeb822(text) : mirrorInOneLineFormat(text);
    if (mirror !== undefined) return mirror;
  }
  return defaultMirror;
}

// `deb [options] URI SUITE COMPONENTS…`
function mirrorInOneLineFormat(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const words = line
      .replace(/\[[^\]]*\]/, '')
      .trim()
      .split(/\s+/);
    if (words[0] === 'deb' && words[2] === 'bookworm' && words[1] !== undefined) return words[1];
  }
  return undefined;
}

// Stanzas of `Types:`, `URIs:`, `Suites:` fields, separated by blank lines; `#` lines are comments.
function mirrorInDeb822(text: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string[]>();
    for (const line of stanza.split('\n')) {
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match !== null) fields.set((match[1] as string).toLowerCase(), (match[2] as string).split(/\s+/));
    }
    const isEnabled = fields.get('enabled')?.[0]?.toLowerCase() !== 'no';
    const isBinary = fields.get('types')?.includes('deb') === true;
    const servesBookworm = fields.get('suites')?.includes('bookworm') === true;
    const uri = fields.get('uris')?.[0];
    if (isEnabled && isBinary && servesBookworm && uri !== undefined) return uri;
  }
  return undefined;
}
