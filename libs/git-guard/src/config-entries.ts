import { readBoundedFile } from './read-bounded-file.js';
import { runGit } from './run-git.js';

/** One `key = value` of a config file, as git's own parser reads it. */
export interface ConfigEntry {
  /** `section.variable` or `section.subsection.variable`; section and variable lower-cased by git. */
  key: string;
  section: string;
  /** Undefined when the key has no subsection; case kept, as git keeps it. */
  subsection?: string;
  variable: string;
  /** Null for a key written without `=` (git reads it as boolean true). */
  value: string | null;
}

/** What reading a config file produced. */
export type ConfigRead =
  { kind: 'missing' } | { kind: 'entries'; entries: ConfigEntry[] } | { kind: 'problem'; problem: string };

/** How {@link readConfigEntries} runs git. */
export interface ConfigParserOptions {
  gitPath: string;
  timeoutMs: number;
}

/** `--list` repeats the section and subsection on every line, so its output can outgrow the file; this is plenty. */
const maxListingBytes = 32 << 20;

/**
 * The environment of the parsing git: no system, global or XDG config, no repository (GIT_DIR names something
 * that is not one, so git discovers none; it runs in `/`), a fixed PATH and locale.
 */
const parserEnvironment: Readonly<Record<string, string>> = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  LC_ALL: 'C',
  HOME: '/nonexistent',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_DIR: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
};

/**
 * Reads a config file safely (no FIFO, at most 1 MiB, symlinks followed) and has git parse the bytes read, from
 * stdin: `git config --file - --no-includes --null --list`. Git therefore never opens the agent's path, only
 * parses (it runs nothing and follows no include), and the inspector judges exactly the keys git would see. A file
 * git cannot parse is a problem: git would die on it too.
 */
export async function readConfigEntries(file: string, options: ConfigParserOptions): Promise<ConfigRead> {
  const read = await readBoundedFile(file);
  if (read.kind === 'missing') return { kind: 'missing' };
  if (read.kind === 'refused') return { kind: 'problem', problem: `${file} ${read.reason}; refused` };
  const result = await runGit({
    gitPath: options.gitPath,
    arguments: ['config', '--file', '-', '--no-includes', '--null', '--list'],
    environment: parserEnvironment,
    workingDirectory: '/',
    timeoutMs: options.timeoutMs,
    input: read.bytes,
    maxOutputBytes: maxListingBytes,
  });
  if (result.failure !== undefined) return { kind: 'problem', problem: `${file}: ${result.failure}` };
  if (result.exitCode !== 0) {
    const message = result.stderr.trim().replace(/standard input/g, file);
    return {
      kind: 'problem',
      problem: `${file} cannot be parsed by git (${message}); git would fail on it too`,
    };
  }
  return { kind: 'entries', entries: parseNullList(result.stdout.toString('utf8')) };
}

/** Splits `git config --null --list` output: records end with NUL; the key ends at the first newline. */
function parseNullList(output: string): ConfigEntry[] {
  const records = output.split('\0');
  records.pop();
  return records.map((record) => {
    const newline = record.indexOf('\n');
    const key = newline === -1 ? record : record.slice(0, newline);
    const value = newline === -1 ? null : record.slice(newline + 1);
    return { key, ...splitKey(key), value };
  });
}

function splitKey(key: string): { section: string; subsection?: string; variable: string } {
  const firstDot = key.indexOf('.');
  const lastDot = key.lastIndexOf('.');
  if (firstDot === lastDot) return { section: key.slice(0, firstDot), variable: key.slice(lastDot + 1) };
  return {
    section: key.slice(0, firstDot),
    subsection: key.slice(firstDot + 1, lastDot),
    variable: key.slice(lastDot + 1),
  };
}
