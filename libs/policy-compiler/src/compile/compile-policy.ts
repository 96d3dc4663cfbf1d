import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalJson,
  parsePolicyArtifacts,
  sha256Hex,
  type DynamicList,
  type DynamicListsFile,
  type TestScenariosFile,
  type ToolAnnotationsFile,
} from '@ironcurtain/policy-engine';
import type { PolicyArtifacts } from '../artifacts/write-policy-artifacts.js';
import type { ContentCache } from '../llm/content-cache.js';
import type { LlmClient } from '../llm/llm-client.js';
import {
  createScenarioRunner,
  type ScenarioFailure,
  type VerificationEnvironment,
} from '../verify/scenario-runner.js';
import { compileServer, type ServerCompileInput, type ServerCompileResult } from './compile-server.js';
import type { Constitution } from './constitution.js';
import { handwrittenScenariosFor } from './handwritten-scenarios.js';
import { mapWithConcurrency } from './map-with-concurrency.js';
import { createProgressReporter, type ProgressListener, type ProgressReporter } from './progress.js';
import type { ListToolCaller } from './resolve-lists.js';
import { toCompiledRule, type ListDefinition } from './rule-answer.js';
import { buildTraceability, type TraceabilityReport } from './traceability.js';

/** Inputs and knobs of {@link compilePolicy}. */
export interface CompilePolicyOptions {
  llm: LlmClient;
  cache?: ContentCache | undefined;
  constitution: Constitution;
  toolAnnotations: ToolAnnotationsFile;
  /** The current lists (manual additions and removals survive) and scenarios (handwritten ones are kept). */
  previous?: { dynamicLists?: DynamicListsFile | undefined; testScenarios?: TestScenariosFile | undefined };
  /** The facts scenarios are decided in; a fresh sandbox folder is made for the run. */
  environment: Omit<VerificationEnvironment, 'sandboxDir'>;
  /** Servers whose in-sandbox paths need no rule (default `filesystem`, `git`). */
  sandboxServers?: readonly string[];
  /** Servers to compile (default: every annotated server). */
  servers?: readonly string[];
  /** Servers compiled at once (default 3). */
  concurrency?: number;
  /** Judge-and-repair rounds per server (default 3). */
  maxRepairRounds?: number;
  callTool?: ListToolCaller | undefined;
  onProgress?: ProgressListener | undefined;
  now?: () => Date;
}

/** The outcome: the artifacts when every server verified, and per server what happened. */
export interface CompilePolicyResult {
  isVerified: boolean;
  /** Present only when `isVerified`: nothing unverified is ever handed out to be written. */
  artifacts?: PolicyArtifacts;
  servers: ServerCompileResult[];
  /** Failures of the merged policy over every scenario (empty when verified). */
  failures: ScenarioFailure[];
  traceability?: TraceabilityReport;
  llmCalls: number;
}

/**
 * The compile pipeline: per server, in parallel up to `concurrency`, rules → lists → scenarios → verify → judge →
 * repair; then the merged policy is verified once more over every scenario on the real engine. Writes nothing.
 */
export async function compilePolicy(options: CompilePolicyOptions): Promise<CompilePolicyResult> {
  const callsAtStart = options.llm.callCount;
  const llmCalls = (): number => options.llm.callCount - callsAtStart;
  const report = createProgressReporter(options.onProgress, llmCalls);
  const serverNames = options.servers ?? Object.keys(options.toolAnnotations.servers);
  const sandboxDir = await mkdtemp(join(tmpdir(), 'ironcurtain-compile-sandbox-'));
  try {
    const environment = { ...options.environment, sandboxDir };
    const results = await mapWithConcurrency(serverNames, options.concurrency ?? 3, async (server) => {
      const result = await compileServer(
        { llm: options.llm, cache: options.cache },
        serverInput(options, server, environment, report),
      );
      const summary = `${result.rules.rules.length} rules, ${result.scenarios.length} scenarios`;
      report(server, result.isVerified ? 'done' : 'failed', summary);
      return result;
    });
    if (!results.every((result) => result.isVerified)) {
      const failures = results.flatMap((result) => result.failures);
      return { isVerified: false, servers: results, failures, llmCalls: llmCalls() };
    }
    return verifyMerged(options, results, environment, llmCalls());
  } finally {
    await rm(sandboxDir, { recursive: true, force: true });
  }
}

function serverInput(
  options: CompilePolicyOptions,
  server: string,
  environment: VerificationEnvironment,
  report: ProgressReporter,
): ServerCompileInput {
  const annotations = options.toolAnnotations.servers[server]?.tools ?? [];
  const toolNames = new Set(annotations.map((tool) => tool.toolName));
  return {
    facts: {
      server,
      annotations,
      allowedDomains: environment.serverDomains[server],
      isSandboxServer: sandboxServersOf(options).includes(server),
    },
    constitution: options.constitution,
    toolAnnotations: options.toolAnnotations,
    previousLists: options.previous?.dynamicLists?.lists ?? {},
    handwritten: handwrittenScenariosFor(server, toolNames, options.previous?.testScenarios?.scenarios ?? []),
    environment,
    maxRepairRounds: options.maxRepairRounds ?? 3,
    callTool: options.callTool,
    report,
  };
}

function sandboxServersOf(options: CompilePolicyOptions): readonly string[] {
  return options.sandboxServers ?? ['filesystem', 'git'];
}

/** Merges the servers' results, verifies the merged policy over every scenario, and traces it. */
function verifyMerged(
  options: CompilePolicyOptions,
  results: readonly ServerCompileResult[],
  environment: VerificationEnvironment,
  llmCalls: number,
): CompilePolicyResult {
  renameDuplicateRules(results);
  const artifacts = assemble(options, results);
  const merged = parsePolicyArtifacts(artifacts);
  const failures = createScenarioRunner(merged, environment).run(artifacts.testScenarios.scenarios);
  const ruleClauses = new Map(
    results.flatMap((result) => result.rules.rules.map((rule) => [rule.name, rule.clauses] as const)),
  );
  const traceability = buildTraceability(
    options.constitution.clauses,
    artifacts.compiledPolicy.rules,
    ruleClauses,
    options.toolAnnotations,
    sandboxServersOf(options),
  );
  const servers = [...results];
  return failures.length === 0
    ? { isVerified: true, artifacts, servers, failures, traceability, llmCalls }
    : { isVerified: false, servers, failures, traceability, llmCalls };
}

function assemble(options: CompilePolicyOptions, results: readonly ServerCompileResult[]): PolicyArtifacts {
  const generatedAt = (options.now?.() ?? new Date()).toISOString();
  const listDefinitions = uniqueByName(results.flatMap((result) => result.rules.lists));
  const lists: Record<string, DynamicList> = {};
  for (const result of results) Object.assign(lists, result.lists);
  const annotationHashes = Object.fromEntries(
    Object.entries(options.toolAnnotations.servers).map(([server, entry]) => [server, entry.inputHash]),
  );
  const inputHash = sha256Hex(
    canonicalJson({ constitutionHash: options.constitution.hash, annotationHashes, listDefinitions }),
  );
  return {
    compiledPolicy: {
      generatedAt,
      constitutionHash: options.constitution.hash,
      inputHash,
      rules: results.flatMap((result) => result.rules.rules.map(toCompiledRule)),
      listDefinitions,
    },
    toolAnnotations: options.toolAnnotations,
    dynamicLists: { generatedAt, lists },
    testScenarios: {
      generatedAt,
      constitutionHash: options.constitution.hash,
      inputHash,
      scenarios: results.flatMap((result) => result.scenarios),
    },
  };
}

function uniqueByName(definitions: readonly ListDefinition[]): ListDefinition[] {
  const byName = new Map<string, ListDefinition>();
  for (const definition of definitions)
    if (!byName.has(definition.name)) byName.set(definition.name, definition);
  return [...byName.values()];
}

/** Rule names must be unique across the policy; a later server's clash gets its server name appended. */
function renameDuplicateRules(results: readonly ServerCompileResult[]): void {
  const taken = new Set<string>();
  for (const result of results) {
    result.rules.rules = result.rules.rules.map((rule) => {
      const name = taken.has(rule.name) ? `${rule.name}-${result.server}` : rule.name;
      taken.add(name);
      return name === rule.name ? rule : { ...rule, name };
    });
  }
}
