import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  policyFileNames,
  type CompiledPolicyFile,
  type DynamicListsFile,
  type TestScenariosFile,
  type ToolAnnotationsFile,
} from '@ironcurtain/policy-engine';
import { writeFileAtomic } from './write-file-atomic.js';

/** The four artifacts of a policy directory. */
export interface PolicyArtifacts {
  compiledPolicy: CompiledPolicyFile;
  toolAnnotations: ToolAnnotationsFile;
  dynamicLists: DynamicListsFile;
  testScenarios: TestScenariosFile;
}

/**
 * Writes the artifacts into `directory`, each atomically, in dependency order: lists and scenarios first, then
 * annotations, and the compiled policy last — a reader that sees the new policy file also sees what it refers to.
 */
export async function writePolicyArtifacts(directory: string, artifacts: PolicyArtifacts): Promise<void> {
  await mkdir(directory, { recursive: true });
  const write = (name: string, value: unknown): Promise<void> =>
    writeFileAtomic(join(directory, name), `${JSON.stringify(value, null, 2)}\n`);
  await write(policyFileNames.dynamicLists, artifacts.dynamicLists);
  await write(policyFileNames.testScenarios, artifacts.testScenarios);
  await write(policyFileNames.toolAnnotations, artifacts.toolAnnotations);
  await write(policyFileNames.compiledPolicy, artifacts.compiledPolicy);
}
