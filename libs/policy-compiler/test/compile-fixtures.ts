// Shared inputs of the compiler tests: the shipped policy as input fixtures, and a verification environment in a
// temporary home.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConstitutionFiles, defaultPolicyDir } from '@ironcurtain/default-policy';
import { readMcpConfig, serverDomainsOf } from '@ironcurtain/mcp-config';
import {
  compiledPolicySchema,
  deriveProtectedPaths,
  dynamicListsSchema,
  testScenariosSchema,
  toolAnnotationsSchema,
  type CompiledPolicyFile,
  type DynamicListsFile,
  type TestScenariosFile,
  type ToolAnnotationsFile,
} from '@ironcurtain/policy-engine';
import type { VerificationEnvironment } from '@ironcurtain/policy-compiler';

/** The shipped artifacts, parsed (the scripted model's "knowledge" and the compiler's IronCurtain-format input). */
export interface ShippedPolicy {
  compiledPolicy: CompiledPolicyFile;
  toolAnnotations: ToolAnnotationsFile;
  dynamicLists: DynamicListsFile;
  testScenarios: TestScenariosFile;
  constitution: { base: string; user: string };
}

async function readJson(name: string): Promise<unknown> {
  return JSON.parse(await readFile(join(defaultPolicyDir, name), 'utf8'));
}

/** Reads the shipped policy folder (never modified). */
export async function readShippedPolicy(): Promise<ShippedPolicy> {
  return {
    compiledPolicy: compiledPolicySchema.parse(await readJson('compiled-policy.json')),
    toolAnnotations: toolAnnotationsSchema.parse(await readJson('tool-annotations.json')),
    dynamicLists: dynamicListsSchema.parse(await readJson('dynamic-lists.json')),
    testScenarios: testScenariosSchema.parse(await readJson('test-scenarios.json')),
    constitution: {
      base: await readFile(defaultConstitutionFiles.base, 'utf8'),
      user: await readFile(defaultConstitutionFiles.user, 'utf8'),
    },
  };
}

/** A temporary user home with an IronCurtain home inside, and the verification facts for it. */
export interface TemporaryHome {
  root: string;
  homeDir: string;
  ironcurtainHome: string;
  environment: Omit<VerificationEnvironment, 'sandboxDir'>;
  remove(): Promise<void>;
}

/** Makes a fresh home; protected paths and domain gates are derived the way the CLI derives them. */
export async function createTemporaryHome(): Promise<TemporaryHome> {
  const root = await mkdtemp(join(tmpdir(), 'policy-compiler-test-'));
  const homeDir = join(root, 'home');
  const ironcurtainHome = join(homeDir, '.ironcurtain');
  await mkdir(ironcurtainHome, { recursive: true });
  const mcpConfigPath = join(defaultPolicyDir, 'mcp-servers.json');
  const protectedPaths = deriveProtectedPaths(ironcurtainHome, {
    policyDirs: [join(ironcurtainHome, 'generated')],
    cwd: root,
    mcpConfigPath,
  });
  return {
    root,
    homeDir,
    ironcurtainHome,
    environment: {
      homeDir,
      protectedPaths,
      serverDomains: serverDomainsOf(await readMcpConfig(mcpConfigPath)),
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
