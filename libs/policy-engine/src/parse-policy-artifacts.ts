import type { z } from 'zod';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import { expandListReferences, type PolicyWarning } from './expand-list-references.js';
import { policyInvalidError } from './policy-error.js';
import { compiledPolicySchema, type CompiledPolicyFile } from './schemas/compiled-policy-schema.js';
import { dynamicListsSchema, type DynamicListsFile } from './schemas/dynamic-lists-schema.js';
import { formatSchemaIssues } from './schemas/format-schema-issues.js';
import { testScenariosSchema, type TestScenariosFile } from './schemas/test-scenarios-schema.js';
import {
  toolAnnotationsSchema,
  type StoredToolAnnotation,
  type ToolAnnotationsFile,
} from './schemas/tool-annotations-schema.js';

/** The artifact file names inside a policy directory. */
export const policyFileNames = {
  compiledPolicy: 'compiled-policy.json',
  toolAnnotations: 'tool-annotations.json',
  dynamicLists: 'dynamic-lists.json',
  testScenarios: 'test-scenarios.json',
} as const;

/** The artifacts as parsed JSON, not yet validated; `undefined` means the optional file is absent. */
export interface RawPolicyArtifacts {
  compiledPolicy: unknown;
  toolAnnotations: unknown;
  dynamicLists?: unknown;
  testScenarios?: unknown;
}

/** Tool annotations by server name, then tool name. */
export type AnnotationIndex = ReadonlyMap<string, ReadonlyMap<string, StoredToolAnnotation>>;

/** A validated policy, ready to evaluate. */
export interface LoadedPolicy {
  /** The compiled rules, with every `@list` reference already expanded. */
  readonly compiledPolicy: CompiledPolicyFile;
  readonly toolAnnotations: ToolAnnotationsFile;
  readonly dynamicLists: DynamicListsFile | undefined;
  readonly testScenarios: TestScenariosFile | undefined;
  /** See {@link computePolicyHash}; decisions and audit records carry it. */
  readonly policyHash: string;
  readonly warnings: readonly PolicyWarning[];
  readonly annotations: AnnotationIndex;
}

/**
 * Validates the artifacts and builds a {@link LoadedPolicy}. Pure: for a policy read from a file, a KV bucket or a
 * test. Throws an AppError `POLICY_INVALID` whose message names the file, the JSON path and the problem.
 */
export function parsePolicyArtifacts(raw: RawPolicyArtifacts): LoadedPolicy {
  const compiledPolicy = parseArtifact(
    compiledPolicySchema,
    raw.compiledPolicy,
    policyFileNames.compiledPolicy,
  );
  const toolAnnotations = parseArtifact(
    toolAnnotationsSchema,
    raw.toolAnnotations,
    policyFileNames.toolAnnotations,
  );
  const dynamicLists =
    raw.dynamicLists === undefined
      ? undefined
      : parseArtifact(dynamicListsSchema, raw.dynamicLists, policyFileNames.dynamicLists);
  const testScenarios =
    raw.testScenarios === undefined
      ? undefined
      : parseArtifact(testScenariosSchema, raw.testScenarios, policyFileNames.testScenarios);
  const expanded = expandListReferences(compiledPolicy, dynamicLists);
  return {
    compiledPolicy: expanded.policy,
    toolAnnotations,
    dynamicLists,
    testScenarios,
    policyHash: computePolicyHash(raw),
    warnings: expanded.warnings,
    annotations: indexAnnotations(toolAnnotations),
  };
}

/**
 * sha256 hex over the canonical JSON (sorted keys) of `{compiledPolicy, toolAnnotations, dynamicLists}` as they
 * were read (an absent `dynamic-lists.json` counts as `null`). Test scenarios do not change decisions, so they are
 * not part of it.
 */
export function computePolicyHash(
  raw: Pick<RawPolicyArtifacts, 'compiledPolicy' | 'toolAnnotations' | 'dynamicLists'>,
): string {
  try {
    return sha256Hex(
      canonicalJson({
        compiledPolicy: raw.compiledPolicy,
        toolAnnotations: raw.toolAnnotations,
        dynamicLists: raw.dynamicLists ?? null,
      }),
    );
  } catch (error) {
    throw policyInvalidError(`policy artifacts cannot be hashed: ${(error as Error).message}`, error);
  }
}

function parseArtifact<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  fileName: string,
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw policyInvalidError(formatSchemaIssues(fileName, result.error.issues), result.error);
}

function indexAnnotations(file: ToolAnnotationsFile): AnnotationIndex {
  const servers = new Map<string, Map<string, StoredToolAnnotation>>();
  for (const [serverName, server] of Object.entries(file.servers)) {
    const tools = new Map<string, StoredToolAnnotation>();
    server.tools.forEach((tool, index) => {
      if (tools.has(tool.toolName)) {
        throw policyInvalidError(
          `${policyFileNames.toolAnnotations}: servers.${serverName}.tools[${index}].toolName: ` +
            `"${tool.toolName}" is annotated twice; keep one annotation per tool`,
        );
      }
      tools.set(tool.toolName, tool);
    });
    servers.set(serverName, tools);
  }
  return servers;
}
