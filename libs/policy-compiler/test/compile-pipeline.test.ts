// The whole pipeline against a fake Anthropic server on loopback, through the real AI SDK client: annotation with
// repair turns, rules with a schema violation and a wrong rule, scenarios with mistakes, the judge and a point
// repair. The written artifacts must load in the engine and pass verification; a second run makes no LLM call; a
// repair that never fixes the rule fails and hands out nothing.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLanguageModel } from '@ironcurtain/llm';
import { loadPolicyDirectory, toolAnnotationsSchema } from '@ironcurtain/policy-engine';
import {
  annotateTools,
  compilePolicy,
  createContentCache,
  createInteractionLog,
  createLlmClient,
  createScenarioRunner,
  handwrittenInvariants,
  parseConstitution,
  writePolicyArtifacts,
  type CompilePolicyResult,
  type ListedServers,
  type LlmClient,
  type ProgressEvent,
} from '@ironcurtain/policy-compiler';
import { startFakeAnthropic, type FakeLlmServer } from '@ironcurtain/testing';
import {
  createTemporaryHome,
  readShippedPolicy,
  type ShippedPolicy,
  type TemporaryHome,
} from './compile-fixtures.js';
import {
  scriptedModel,
  taskOf,
  wrongRuleName,
  wrongScenarioDescription,
  type ScriptFaults,
} from './scripted-model.js';

let shipped: ShippedPolicy;
let home: TemporaryHome;
let workDir: string;
let server: FakeLlmServer | undefined;

beforeAll(async () => {
  shipped = await readShippedPolicy();
  home = await createTemporaryHome();
});
afterAll(() => home.remove());
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(workDir, { recursive: true, force: true });
});

const allFaults: ScriptFaults = {
  annotationErrors: true,
  badCondition: true,
  ruleSchemaViolation: true,
  wrongRule: true,
  badScenarios: true,
};

function listedFromShipped(): ListedServers {
  return Object.fromEntries(
    Object.entries(shipped.toolAnnotations.servers).map(([name, entry]) => [
      name,
      entry.tools.map((tool) => ({
        name: tool.toolName,
        description: tool.comment,
        inputSchema: tool.inputSchema ?? {},
      })),
    ]),
  );
}

async function start(faults: ScriptFaults): Promise<{ server: FakeLlmServer; llm: () => LlmClient }> {
  const fake = await startFakeAnthropic({ apiKey: 'test-key', respond: scriptedModel(shipped, faults) });
  server = fake;
  workDir = await mkdtemp(join(tmpdir(), 'compile-pipeline-'));
  const log = createInteractionLog(join(workDir, 'llm-interactions.jsonl'));
  const llm = (): LlmClient =>
    createLlmClient({
      model: createLanguageModel({
        modelId: 'anthropic:claude-test',
        apiKeys: { anthropic: 'test-key' },
        baseUrls: { anthropic: fake.url },
      }),
      modelId: 'anthropic:claude-test',
      onInteraction: (interaction) => log.record(interaction),
      maxRetries: 0,
    });
  return { server: fake, llm };
}

async function runPipeline(llm: LlmClient, events: ProgressEvent[] = []): Promise<CompilePolicyResult> {
  const cache = createContentCache(join(workDir, 'cache'));
  const toolAnnotations = await annotateTools({ llm, cache }, listedFromShipped(), undefined);
  return compilePolicy({
    llm,
    cache,
    constitution: parseConstitution(shipped.constitution.base, shipped.constitution.user),
    toolAnnotations,
    previous: { dynamicLists: shipped.dynamicLists, testScenarios: shipped.testScenarios },
    environment: home.environment,
    onProgress: (event) => events.push(event),
  });
}

describe('compile pipeline against a fake Anthropic server', () => {
  it('repairs every scripted mistake, verifies, and writes artifacts the engine loads', async () => {
    const { server: fake, llm } = await start(allFaults);
    const events: ProgressEvent[] = [];
    const result = await runPipeline(llm(), events);
    expect(result.failures.map((failure) => failure.scenario.description)).toEqual([]);
    expect(result.isVerified).toBe(true);
    const artifacts = result.artifacts!;

    // Annotation: broken JSON, a missing argument and a bad condition were each sent back and repaired.
    const annotateRequests = fake.requests.filter((request) => taskOf(request) === 'annotate-tool-arguments');
    // filesystem: 3 turns; git: 28 tools in 2 batches of 2 turns each; github: 41 tools in 2 batches; fetch and
    // proxy: 1 each.
    expect(annotateRequests.length).toBe(3 + 4 + 2 + 1 + 1);
    expect(toolAnnotationsSchema.safeParse(artifacts.toolAnnotations).success).toBe(true);
    for (const [name, entry] of Object.entries(shipped.toolAnnotations.servers)) {
      expect(artifacts.toolAnnotations.servers[name]?.tools.map((tool) => tool.args)).toEqual(
        entry.tools.map((tool) => tool.args),
      );
    }

    // The wrong rule was caught by a scenario, blamed by the judge, and fixed by a point patch.
    const filesystem = result.servers.find((entry) => entry.server === 'filesystem')!;
    expect(filesystem.rounds).toHaveLength(1);
    expect(filesystem.rounds[0]?.method).toBe('patch');
    expect(
      filesystem.rounds[0]?.verdicts.some(
        (verdict) => verdict.blame === 'rule' && verdict.rule === wrongRuleName,
      ),
    ).toBe(true);
    const fixed = artifacts.compiledPolicy.rules.find((rule) => rule.name === wrongRuleName);
    expect(fixed?.if.paths?.roles).toEqual(['write-path']);
    expect(
      artifacts.compiledPolicy.rules.every((rule) => rule.then !== 'deny' && rule.if.server?.length === 1),
    ).toBe(true);

    // Bad scenarios were dropped; the handwritten invariants were kept as written.
    const dropped = filesystem.dropped.map((entry) => entry.description);
    expect(dropped).toContain('Write with an argument the tool does not take (scripted mistake)');
    expect(dropped).toContain('Write a file in the sandbox (scripted mistake: expects deny)');
    expect(dropped).toContain(wrongScenarioDescription);
    for (const invariant of handwrittenInvariants)
      expect(artifacts.testScenarios.scenarios).toContainEqual(invariant);

    // Written atomically, loaded by the engine unchanged, and every scenario passes on the real engine.
    const outDir = join(workDir, 'policy');
    await writePolicyArtifacts(outDir, artifacts);
    expect((await readdir(outDir)).sort()).toEqual([
      'compiled-policy.json',
      'dynamic-lists.json',
      'test-scenarios.json',
      'tool-annotations.json',
    ]);
    const loaded = await loadPolicyDirectory(outDir);
    expect(loaded.warnings).toEqual([]);
    const sandboxDir = await mkdtemp(join(tmpdir(), 'verify-sandbox-'));
    expect(
      createScenarioRunner(loaded, { ...home.environment, sandboxDir }).run(loaded.testScenarios!.scenarios),
    ).toEqual([]);
    await rm(sandboxDir, { recursive: true });

    // Every exchange is in llm-interactions.jsonl; progress named servers, stages and the calls so far.
    const logLines = (await readFile(join(workDir, 'llm-interactions.jsonl'), 'utf8')).trim().split('\n');
    expect(logLines).toHaveLength(fake.requests.length);
    expect(events.some((event) => event.server === 'filesystem' && event.stage === 'repair')).toBe(true);
    expect(events.at(-1)?.llmCalls).toBeGreaterThan(0);

    // The same inputs again: every answer comes from the content-hash cache.
    const before = fake.requests.length;
    const again = await runPipeline(llm());
    expect(again.isVerified).toBe(true);
    expect(fake.requests.length).toBe(before);
    expect(again.llmCalls).toBe(0);
    expect(again.artifacts?.compiledPolicy.rules).toEqual(artifacts.compiledPolicy.rules);
  });

  it('fails verification when the repair never fixes the rule, and hands out no artifacts', async () => {
    const { server: fake, llm } = await start({ wrongRule: true, repairFixes: false });
    const result = await runPipeline(llm());
    expect(result.isVerified).toBe(false);
    expect(result.artifacts).toBeUndefined();
    const filesystem = result.servers.find((entry) => entry.server === 'filesystem')!;
    // Round 1 patches; the patch changes nothing, so rounds 2 and 3 fall back to a full recompile.
    expect(filesystem.rounds.map((round) => round.method)).toEqual(['patch', 'recompile', 'recompile']);
    expect(filesystem.failures.length).toBeGreaterThan(0);
    expect(filesystem.failures.every((failure) => failure.got.decision === 'allow')).toBe(true);
    const tasks = fake.requests.map(taskOf);
    expect(tasks.filter((task) => task === 'repair-rules')).toHaveLength(1);
    expect(result.servers.filter((entry) => !entry.isVerified).map((entry) => entry.server)).toEqual([
      'filesystem',
    ]);
  });
});
