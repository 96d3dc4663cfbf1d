import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePolicyArtifacts, policyFileNames, type LoadedPolicy } from './parse-policy-artifacts.js';
import { policyInvalidError } from './policy-error.js';

/**
 * Reads `compiled-policy.json` and `tool-annotations.json` (required) and `dynamic-lists.json` and
 * `test-scenarios.json` (optional) from `directory` and validates them. Throws an AppError `POLICY_INVALID` naming
 * the file and the problem.
 */
export async function loadPolicyDirectory(directory: string): Promise<LoadedPolicy> {
  const [compiledPolicy, toolAnnotations, dynamicLists, testScenarios] = await Promise.all([
    readJsonFile(directory, policyFileNames.compiledPolicy, true),
    readJsonFile(directory, policyFileNames.toolAnnotations, true),
    readJsonFile(directory, policyFileNames.dynamicLists, false),
    readJsonFile(directory, policyFileNames.testScenarios, false),
  ]);
  return parsePolicyArtifacts({ compiledPolicy, toolAnnotations, dynamicLists, testScenarios });
}

async function readJsonFile(directory: string, fileName: string, isRequired: boolean): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(join(directory, fileName), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !isRequired) return undefined;
    const problem = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'cannot be read';
    throw policyInvalidError(
      `${fileName}: ${problem} in ${directory}; compile a policy there with \`ironcurtain compile-policy\``,
      error,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw policyInvalidError(`${fileName}: not valid JSON (${(error as Error).message})`, error);
  }
}
