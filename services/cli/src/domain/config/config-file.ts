import { readFile } from 'node:fs/promises';
import { AppError, ErrorCode, errorCodeOf } from '@ironcurtain/errors';
import { loadUserConfig, userConfigPath } from '@ironcurtain/user-config';

/** config.json as `setup` and `config` edit it. */
export interface EditableConfig {
  readonly path: string;
  readonly exists: boolean;
  /** The file's JSON object as written (unknown keys kept), `{}` when there is none. */
  readonly raw: Record<string, unknown>;
  /** What to tell the person about the file (unknown keys, loose mode, a value the schema refuses). */
  readonly warnings: readonly string[];
}

/**
 * Reads config.json for editing. A value the schema refuses does not stop the editor (`config set` is how it is
 * fixed): the file's object is returned with the refusal as a warning. A file that is not a JSON object does stop
 * it: an editor would otherwise overwrite whatever the person had.
 */
export async function readEditableConfig(home: string): Promise<EditableConfig> {
  try {
    const loaded = await loadUserConfig(home);
    return { path: loaded.path, exists: loaded.exists, raw: loaded.raw, warnings: loaded.warnings };
  } catch (error) {
    if (errorCodeOf(error) !== ErrorCode.ConfigInvalid) throw error;
    const path = userConfigPath(home);
    const raw = await readJsonObject(path);
    if (raw === undefined) throw error;
    return { path, exists: true, raw, warnings: [(error as Error).message] };
  }
}

async function readJsonObject(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(path, 'utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A usage error of `config get|set|unset` (exit code 2): an unknown key or a value the schema refuses. */
export function usageError(message: string): AppError {
  return new AppError(ErrorCode.ConfigInvalid, message);
}
