import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import {
  compiledPolicySchema,
  formatSchemaIssues,
  parsePolicyArtifacts,
  policyFileNames,
} from '@ironcurtain/policy-engine';
import {
  createScenarioRunner,
  describeFailure,
  refreshDynamicLists,
  writeFileAtomic,
  type AskContext,
  type ListChange,
  type ListToolCaller,
  type LlmClient,
} from '@ironcurtain/policy-compiler';
import { readArtifact, type CompileLocations } from './compile-locations.js';
import { verificationEnvironment } from './compile-run.js';

/** What a refresh did: the list changes, and the scenarios that fail with the new lists (then nothing is written). */
export interface RefreshOutcome {
  changes: ListChange[];
  failures: string[];
  isWritten: boolean;
}

/**
 * Re-resolves the policy's lists in `locations.outDir`, keeping manual additions and removals, checks the policy's
 * scenarios with the new lists on the engine, and only then replaces `dynamic-lists.json`.
 */
export async function runRefresh(
  locations: CompileLocations,
  options: {
    ask: AskContext & { llm: LlmClient };
    only: string[] | undefined;
    callTool: ListToolCaller | undefined;
    homeDirectory: string;
    cwd: string;
  },
): Promise<RefreshOutcome> {
  const compiledFile = join(locations.outDir, policyFileNames.compiledPolicy);
  const compiledPolicy = await readCompiledPolicy(compiledFile);
  const toolAnnotations = await readArtifact(
    'toolAnnotations',
    join(locations.outDir, policyFileNames.toolAnnotations),
  );
  const testScenarios = await readArtifact(
    'testScenarios',
    join(locations.outDir, policyFileNames.testScenarios),
  );
  const dynamicLists = await readArtifact(
    'dynamicLists',
    join(locations.outDir, policyFileNames.dynamicLists),
  );
  const refreshed = await refreshDynamicLists(
    options.ask,
    { compiledPolicy, dynamicLists },
    {
      only: options.only,
      callTool: options.callTool,
    },
  );
  const policy = parsePolicyArtifacts({
    compiledPolicy,
    toolAnnotations,
    dynamicLists: refreshed.dynamicLists,
  });
  const sandboxDir = await mkdtemp(join(tmpdir(), 'ironcurtain-refresh-sandbox-'));
  let failures: string[];
  try {
    const environment = await verificationEnvironment(locations, options.homeDirectory, options.cwd);
    failures = createScenarioRunner(policy, { ...environment, sandboxDir })
      .run(testScenarios?.scenarios ?? [])
      .map(describeFailure);
  } finally {
    await rm(sandboxDir, { recursive: true, force: true });
  }
  if (failures.length > 0) return { changes: refreshed.changes, failures, isWritten: false };
  await writeFileAtomic(
    join(locations.outDir, policyFileNames.dynamicLists),
    `${JSON.stringify(refreshed.dynamicLists, null, 2)}\n`,
  );
  return { changes: refreshed.changes, failures, isWritten: true };
}

async function readCompiledPolicy(file: string) {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new AppError(
      ErrorCode.NotFound,
      `${file} cannot be read; compile a policy first with \`ironcurtain compile-policy\``,
      { cause: error },
    );
  }
  const parsed = compiledPolicySchema.safeParse(value);
  if (!parsed.success)
    throw new AppError(ErrorCode.ConfigInvalid, formatSchemaIssues(file, parsed.error.issues));
  return parsed.data;
}
