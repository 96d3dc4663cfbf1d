import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { z } from 'zod';
import { isSecretKeyPath, unknownKeysOf } from './config-shape.js';
import { resolveUserConfig, type ResolvedUserConfig } from './resolve-user-config.js';
import { userConfigSchema, type UserConfigFile } from './user-config-schema.js';

/** `IRONCURTAIN_HOME/config.json`. */
export function userConfigPath(home: string): string {
  return join(home, 'config.json');
}

/** config.json as loaded: the resolved settings and what the person should hear about the file. */
export interface LoadedUserConfig {
  readonly path: string;
  /** False when there is no file (every default applies). */
  readonly exists: boolean;
  /** The file's JSON as written (unknown keys included), `{}` when there is none. */
  readonly raw: Record<string, unknown>;
  readonly file: UserConfigFile;
  readonly config: ResolvedUserConfig;
  /** Unknown keys, keys this version ignores, a file others can read: said once, never fatal. */
  readonly warnings: readonly string[];
}

const fixHint = 'fix it with `ironcurtain config set KEY VALUE` (it checks the value) or by editing the file';

/**
 * Reads and validates config.json. No file means the defaults. A file that is not JSON, or a value the schema
 * refuses, is one `CONFIG_INVALID` error that names every bad key by its JSON path, what it must be, and how to fix
 * it (secret values are never repeated).
 */
export async function loadUserConfig(home: string): Promise<LoadedUserConfig> {
  const path = userConfigPath(home);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new AppError(ErrorCode.ConfigInvalid, `cannot read ${path}: ${error.code ?? error.message}`);
  });
  if (text === undefined) {
    return { path, exists: false, raw: {}, file: {}, config: resolveUserConfig({}), warnings: [] };
  }
  const raw = parseJsonObject(text, path);
  const file = validateUserConfig(raw, path);
  const warnings = [...(await permissionWarnings(path)), ...keyWarnings(raw, path)];
  return { path, exists: true, raw, file, config: resolveUserConfig(file), warnings };
}

/** Validates a config object; throws one `CONFIG_INVALID` error listing every bad key. */
export function validateUserConfig(raw: unknown, path: string): UserConfigFile {
  const parsed = userConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${describeIssue(issue, raw)}`);
  throw new AppError(ErrorCode.ConfigInvalid, `${path} has bad values:\n${lines.join('\n')}\n${fixHint}`);
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const keyPath = issue.path.map(String);
  const where = keyPath.length === 0 ? '(the whole file)' : keyPath.join('.');
  const value = valueAt(raw, keyPath);
  const shown =
    value === undefined || isSecretKeyPath(keyPath) ? '' : ` (it is ${JSON.stringify(value)?.slice(0, 60)})`;
  return `${where}: ${issue.message}${shown}`;
}

function valueAt(raw: unknown, path: readonly string[]): unknown {
  let current = raw;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function parseJsonObject(text: string, path: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // Only the position: V8's message quotes the text around the error, and that text may be an API key.
    const position = /\(line \d+ column \d+\)/.exec((error as Error).message)?.[0];
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${path} is not valid JSON${position === undefined ? '' : ` ${position}`}; \`ironcurtain doctor\` shows where`,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new AppError(ErrorCode.ConfigInvalid, `${path} must hold one JSON object ({ "agentModelId": … })`);
  }
  return json as Record<string, unknown>;
}

async function permissionWarnings(path: string): Promise<string[]> {
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) === 0) return [];
  return [
    `${path} can be read by other users (mode ${mode.toString(8)}) and may hold API keys; run: chmod 600 ${path}`,
  ];
}

function keyWarnings(raw: Record<string, unknown>, path: string): string[] {
  const { unknown, unused } = unknownKeysOf(raw);
  return [
    ...unknown.map(
      (key) => `${path}: unknown key ${key} is ignored (a typo? \`ironcurtain config\` lists the keys)`,
    ),
    ...unused.map((key) => `${path}: ${key} (of the original IronCurtain) is not used by this version`),
  ];
}

/**
 * Validates and writes config.json atomically with mode 0600 (a temporary file in the same folder, then a rename),
 * creating IRONCURTAIN_HOME (0700) if needed. Keys the schema does not know are kept as they were.
 */
export async function writeUserConfig(home: string, raw: Record<string, unknown>): Promise<string> {
  const path = userConfigPath(home);
  validateUserConfig(raw, path);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(raw, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await chmod(path, 0o600);
  return path;
}
