import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { readMcpConfig, serverDomainsOf } from '@ironcurtain/mcp-config';
import { deriveProtectedPaths, policyFileNames } from '@ironcurtain/policy-engine';
import {
  compilePolicy,
  formatTraceability,
  readConstitution,
  writeFileAtomic,
  writePolicyArtifacts,
  type AskContext,
  type CompilePolicyResult,
  type ListToolCaller,
  type LlmClient,
  type ProgressListener,
  type VerificationEnvironment,
} from '@ironcurtain/policy-compiler';
import { readArtifact, type CompileLocations } from './compile-locations.js';
import { summarizeCompile } from './compile-summary.js';

/** What a compile run needs besides its locations. */
export interface CompileRunOptions {
  ask: AskContext & { llm: LlmClient };
  /** The user's home (`~` in rules and scenarios). */
  homeDirectory: string;
  cwd: string;
  servers?: string[] | undefined;
  concurrency?: number | undefined;
  callTool?: ListToolCaller | undefined;
  onProgress?: ProgressListener | undefined;
}

/** The result, and where the report (and on success the artifacts and traceability) were written. */
export interface CompileRun {
  result: CompilePolicyResult;
  reportFile: string;
  traceabilityFile?: string;
}

/**
 * Compiles the constitution with the annotations, verifies on the real engine and, only when every scenario passes,
 * writes the artifacts into `outDir` (lists and scenarios first, the policy file last) with the traceability report
 * beside them. A failed run writes only its report to the work folder: the active policy is left as it was.
 */
export async function runCompile(
  locations: CompileLocations,
  options: CompileRunOptions,
): Promise<CompileRun> {
  const toolAnnotations = await readArtifact('toolAnnotations', locations.annotationsFile);
  if (toolAnnotations === undefined) {
    throw new AppError(
      ErrorCode.NotFound,
      `${locations.annotationsFile} does not exist; run \`ironcurtain annotate-tools\` first`,
    );
  }
  const result = await compilePolicy({
    llm: options.ask.llm,
    cache: options.ask.cache,
    constitution: await readConstitution(locations.constitution),
    toolAnnotations,
    previous: {
      dynamicLists: await previousArtifact('dynamicLists', locations.outDir, policyFileNames.dynamicLists),
      testScenarios: await previousArtifact('testScenarios', locations.outDir, policyFileNames.testScenarios),
    },
    environment: await verificationEnvironment(locations, options.homeDirectory, options.cwd),
    servers: options.servers,
    concurrency: options.concurrency,
    callTool: options.callTool,
    onProgress: options.onProgress,
  });
  await mkdir(locations.workDir, { recursive: true });
  const reportFile = join(locations.workDir, 'compile-report.json');
  await writeFileAtomic(reportFile, `${JSON.stringify(summarizeCompile(result), null, 2)}\n`);
  if (!result.isVerified || result.artifacts === undefined) return { result, reportFile };
  await writePolicyArtifacts(locations.outDir, result.artifacts);
  const traceabilityFile = join(locations.outDir, 'traceability.txt');
  if (result.traceability !== undefined) {
    await writeFile(
      join(locations.outDir, 'traceability.json'),
      `${JSON.stringify(result.traceability, null, 2)}\n`,
    );
    await writeFile(traceabilityFile, formatTraceability(result.traceability));
  }
  return { result, reportFile, traceabilityFile };
}

// The lists and scenarios in force (manual list edits and handwritten scenarios survive a recompile), else the
// shipped ones.
async function previousArtifact<Kind extends 'dynamicLists' | 'testScenarios'>(
  kind: Kind,
  outDir: string,
  fileName: string,
): ReturnType<typeof readArtifact<Kind>> {
  return (
    (await readArtifact(kind, join(outDir, fileName))) ?? readArtifact(kind, join(defaultPolicyDir, fileName))
  );
}

/** The facts scenarios are decided in: the user's home for `~`, the protected paths and the domain gates. */
export async function verificationEnvironment(
  locations: CompileLocations,
  homeDirectory: string,
  cwd: string,
): Promise<Omit<VerificationEnvironment, 'sandboxDir'>> {
  return {
    homeDir: homeDirectory,
    protectedPaths: deriveProtectedPaths(locations.home, {
      policyDirs: [locations.outDir, join(locations.home, 'generated')],
      cwd,
      mcpConfigPath: locations.mcpConfigPath,
    }),
    serverDomains: serverDomainsOf(await readMcpConfig(locations.mcpConfigPath)),
  };
}
