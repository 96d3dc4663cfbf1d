import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defaultConstitutionFiles, defaultPolicyDir } from '@ironcurtain/default-policy';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import {
  dynamicListsSchema,
  formatSchemaIssues,
  policyFileNames,
  testScenariosSchema,
  toolAnnotationsSchema,
} from '@ironcurtain/policy-engine';
import type { z } from 'zod';
import { mcpServersFileName } from '../policy/policy-locations.js';

/** Where the compile commands read and write, all absolute. */
export interface CompileLocations {
  home: string;
  /** The active policy folder the compile writes on success (`IRONCURTAIN_HOME/generated` by default). */
  outDir: string;
  /** Scratch space that outlives a run: annotations, the answer cache, the LLM log, the last report. */
  workDir: string;
  constitution: { base: string; user: string };
  /** The annotations compile-policy uses: `--annotations`, else annotate-tools' output, else the shipped file. */
  annotationsFile: string;
  mcpConfigPath: string;
}

/** Options that move the compile's inputs and outputs. */
export interface CompileLocationOptions {
  outDir?: string | undefined;
  annotations?: string | undefined;
  mcpConfig?: string | undefined;
}

/** The annotations file annotate-tools writes (and compile-policy prefers). */
export function workAnnotationsFile(home: string): string {
  return join(home, 'compile', policyFileNames.toolAnnotations);
}

/**
 * Resolves the compile's locations. The constitution layers come from IRONCURTAIN_HOME when present there, each
 * falling back to the shipped one on its own.
 */
export async function resolveCompileLocations(
  home: string,
  cwd: string,
  options: CompileLocationOptions,
): Promise<CompileLocations> {
  const workAnnotations = workAnnotationsFile(home);
  return {
    home,
    outDir: options.outDir === undefined ? join(home, 'generated') : resolve(cwd, options.outDir),
    workDir: join(home, 'compile'),
    constitution: {
      base: await firstExisting([join(home, 'constitution.md')], defaultConstitutionFiles.base),
      user: await firstExisting([join(home, 'constitution-user.md')], defaultConstitutionFiles.user),
    },
    annotationsFile:
      options.annotations === undefined
        ? await firstExisting([workAnnotations], join(defaultPolicyDir, policyFileNames.toolAnnotations))
        : resolve(cwd, options.annotations),
    mcpConfigPath:
      options.mcpConfig === undefined
        ? join(defaultPolicyDir, mcpServersFileName)
        : resolve(cwd, options.mcpConfig),
  };
}

async function firstExisting(candidates: readonly string[], fallback: string): Promise<string> {
  for (const candidate of candidates) if (await exists(candidate)) return candidate;
  return fallback;
}

/** True when `file` exists. */
export async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

const artifactSchemas = {
  toolAnnotations: toolAnnotationsSchema,
  dynamicLists: dynamicListsSchema,
  testScenarios: testScenariosSchema,
} as const;

/**
 * Reads one artifact and validates it with the engine's schema; `undefined` when the file is absent. Errors name the
 * file and the JSON path.
 */
export async function readArtifact<Kind extends keyof typeof artifactSchemas>(
  kind: Kind,
  file: string,
): Promise<z.output<(typeof artifactSchemas)[Kind]> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AppError(ErrorCode.ConfigInvalid, `${file} cannot be read`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AppError(ErrorCode.ConfigInvalid, `${file} is not valid JSON`, { cause: error });
  }
  const parsed = artifactSchemas[kind].safeParse(value);
  if (!parsed.success)
    throw new AppError(ErrorCode.ConfigInvalid, formatSchemaIssues(file, parsed.error.issues));
  return parsed.data as z.output<(typeof artifactSchemas)[Kind]>;
}
