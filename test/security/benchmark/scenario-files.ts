// Finding and parsing the scenario files of a run: every `*.json` of the default directory and of each --scenarios
// directory, parsed strictly with the schema. A malformed file stops the run with an error naming the file and the
// field (zod's path), before anything is started.
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { z } from 'zod';
import { Scenario } from './scenario-schema.ts';

/** A scenario and the file it came from. */
export interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

/** `steps[0].code`: a zod issue path the way a person reads a JSON document. */
export function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(the whole file)';
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function describeIssues(file: string, error: z.ZodError): string {
  const lines = error.issues.map((issue) => `  ${fieldName(issue.path)}: ${issue.message}`);
  return `${file}: not a valid scenario (test/security/README.md describes the format):\n${lines.join('\n')}`;
}

/** Parses one scenario file's text; throws SCHEMA_INVALID naming the file and every bad field. */
export function parseScenarioText(file: string, text: string): Scenario {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AppError(ErrorCode.SchemaInvalid, `${file}: not valid JSON: ${(error as Error).message}`);
  }
  const parsed = Scenario.safeParse(json);
  if (!parsed.success) throw new AppError(ErrorCode.SchemaInvalid, describeIssues(file, parsed.error));
  return parsed.data;
}

async function jsonFilesOf(directory: string, isOptional: boolean): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if (isOptional && (error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `cannot read the scenario directory ${directory}: ${(error as Error).message}`,
    );
  }
  return names
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(directory, name));
}

/**
 * Every scenario of `defaultDirectory` (skipped when it does not exist) and of `extraDirectories`, in file order;
 * with `only`, just those ids. Ids must be unique across all files, and every id in `only` must exist.
 */
export async function loadScenarios(
  defaultDirectory: string,
  extraDirectories: readonly string[],
  only: readonly string[],
): Promise<LoadedScenario[]> {
  const files = [
    ...(await jsonFilesOf(resolve(defaultDirectory), true)),
    ...(
      await Promise.all(extraDirectories.map((directory) => jsonFilesOf(resolve(directory), false)))
    ).flat(),
  ];
  const loaded: LoadedScenario[] = [];
  const fileOfId = new Map<string, string>();
  for (const file of [...new Set(files)]) {
    const scenario = parseScenarioText(file, await readFile(file, 'utf8'));
    const earlier = fileOfId.get(scenario.id);
    if (earlier !== undefined) {
      throw new AppError(
        ErrorCode.SchemaInvalid,
        `${file}: id: "${scenario.id}" is already the id of ${earlier}; ids must be unique`,
      );
    }
    fileOfId.set(scenario.id, file);
    loaded.push({ file, scenario });
  }
  const unknown = only.filter((id) => !fileOfId.has(id));
  if (unknown.length > 0) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `--only ${unknown.join(', ')}: no scenario has this id (ids are in the files' "id" fields)`,
    );
  }
  return only.length === 0 ? loaded : loaded.filter(({ scenario }) => only.includes(scenario.id));
}
