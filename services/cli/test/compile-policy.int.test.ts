// `ironcurtain annotate-tools` and `ironcurtain compile-policy` as real processes, against a fake Anthropic server on
// loopback (the real AI SDK client inside the CLI talks to it) and a real nats-server: tools listed over
// mcpgw.catalog.v1, a compile that repairs its scripted mistakes, verifies and activates, a rerun that makes no LLM
// call, and a compile that cannot verify, exits 1 and leaves the active policy and KV untouched.
import { access, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, getJson, openKeyValue, serve, type Bus } from '@ironcurtain/bus';
import { computePolicyHash, loadPolicyDirectory } from '@ironcurtain/policy-engine';
import { activePolicyKey, McpgwCatalog, PolicyBundle, policyBucket } from '@ironcurtain/proto-schemas';
import {
  startFakeAnthropic,
  startNats,
  type FakeLlmServer,
  type NatsServerHandle,
} from '@ironcurtain/testing';
import {
  readShippedPolicy,
  type ShippedPolicy,
} from '../../../libs/policy-compiler/test/compile-fixtures.js';
import {
  scriptedModel,
  taskOf,
  type ScriptFaults,
} from '../../../libs/policy-compiler/test/scripted-model.js';
import { jsonLines, runCliWithInput } from './policy-fixture.js';
import { cliEnvironment } from './stack-process.js';

const cliPassword = 'compile-test-password';
let root: string;
let nats: NatsServerHandle;
let bus: Bus;
let shipped: ShippedPolicy;

beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'ironcurtain-compile-')));
  shipped = await readShippedPolicy();
  nats = await startNats({
    config: `authorization { users = [ { user: cli, password: "${cliPassword}" } ] }`,
  });
  bus = await connectBus({ url: nats.url, name: 'compile-test', user: 'cli', password: cliPassword });
  // The gateway's catalog, answering with the tools of the shipped servers.
  serve(bus, McpgwCatalog, ({ serverName }) => ({
    servers: Object.entries(shipped.toolAnnotations.servers)
      .filter(([name]) => serverName === undefined || name === serverName)
      .map(([name, entry]) => ({
        name,
        status: 'up' as const,
        sandboxed: true,
        tools: entry.tools.map((tool) => ({
          name: tool.toolName,
          description: tool.comment,
          inputSchema: tool.inputSchema ?? {},
        })),
      })),
  }));
});
afterAll(async () => {
  await bus?.close();
  await nats?.dispose();
  await rm(root, { recursive: true, force: true });
});

interface Home {
  userHome: string;
  ironcurtainHome: string;
  fake: FakeLlmServer;
  run(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

async function createHome(name: string, faults: ScriptFaults): Promise<Home> {
  const userHome = join(root, name);
  const ironcurtainHome = join(userHome, '.ironcurtain');
  await mkdir(ironcurtainHome, { recursive: true });
  const fake = await startFakeAnthropic({ apiKey: 'test-key', respond: scriptedModel(shipped, faults) });
  const env = cliEnvironment(ironcurtainHome, {
    HOME: userHome,
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: fake.url,
    NATS_URL: nats.url,
    NATS_USER: 'cli',
    NATS_PASSWORD: cliPassword,
  });
  return { userHome, ironcurtainHome, fake, run: (args) => runCliWithInput(args, { env, cwd: userHome }) };
}

async function activeBundle() {
  const kv = await openKeyValue(bus, policyBucket, { history: 5 });
  return getJson(kv, activePolicyKey, PolicyBundle);
}

const isPresent = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

describe('ironcurtain compile-policy', () => {
  it('exits 1 when verification still fails after 3 rounds, writing and activating nothing', async () => {
    const home = await createHome('failing', { wrongRule: true, repairFixes: false });
    try {
      const result = await home.run(['compile-policy']);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/FAILED filesystem: .*3 repair round\(s\): patch, recompile, recompile/);
      expect(result.stdout).toMatch(/FAIL scenario \d+ \(generated\) .*expected deny, got allow by allow-/);
      expect(result.stdout).toContain('verification failed: nothing was written');
      expect(await isPresent(join(home.ironcurtainHome, 'generated'))).toBe(false);
      expect(await activeBundle()).toBeUndefined();
      const report = JSON.parse(
        await readFile(join(home.ironcurtainHome, 'compile', 'compile-report.json'), 'utf8'),
      );
      expect(report.ok).toBe(false);
    } finally {
      await home.fake.close();
    }
  });

  it('annotates through the gateway catalog, compiles, verifies, activates, and reruns with zero LLM calls', async () => {
    const faults: ScriptFaults = {
      annotationErrors: true,
      badCondition: true,
      ruleSchemaViolation: true,
      wrongRule: true,
      badScenarios: true,
    };
    const home = await createHome('working', faults);
    try {
      const annotate = await home.run(['annotate-tools', '--force', '--json']);
      const annotateProgress = jsonLines(annotate.stderr).map((line) => line['progress']);
      expect(annotateProgress).toContainEqual(
        expect.objectContaining({ server: 'git', stage: 'annotate', detail: 'done, 28 tools' }),
      );
      expect(annotate.code).toBe(0);
      expect(
        JSON.parse(annotate.stdout)
          .servers.map((entry: { server: string }) => entry.server)
          .sort(),
      ).toEqual(['fetch', 'filesystem', 'git', 'github', 'proxy']);
      // filesystem 3 (its scripted mistakes repaired), git 4, github 2 (41 tools in batches of 25), fetch 1, proxy 1.
      expect(
        home.fake.requests.filter((request) => taskOf(request) === 'annotate-tool-arguments').length,
      ).toBe(11);

      // A past session: the new policy would allow the news fetch that needed approval, and keep the read.
      const record = (seq: number, fields: Record<string, unknown>) =>
        JSON.stringify({
          seq,
          kind: 'decision',
          timestamp: '2026-01-01T00:00:00.000Z',
          sessionId: 's1',
          policyHash: '',
          prevHash: '0'.repeat(64),
          hash: 'f'.repeat(64),
          requestId: `c${seq}`,
          ...fields,
        });
      await mkdir(join(home.ironcurtainHome, 'sessions', 's1'), { recursive: true });
      await writeFile(
        join(home.ironcurtainHome, 'sessions', 's1', 'audit.jsonl'),
        [
          record(0, {
            serverName: 'fetch',
            toolName: 'http_fetch',
            arguments: { url: 'https://www.bbc.co.uk/news' },
            policyDecision: { status: 'escalate', rule: 'escalate-fetch-other-sites', reason: 'recorded' },
          }),
          record(1, {
            serverName: 'filesystem',
            toolName: 'read_file',
            arguments: { path: join(home.userHome, 'Documents', 'a.txt') },
            policyDecision: { status: 'allow', rule: 'allow-read-documents', reason: 'recorded' },
          }),
        ].join('\n') + '\n',
      );

      const compile = await home.run(['compile-policy', '--json']);
      expect(compile.code).toBe(0);
      const output = JSON.parse(compile.stdout);
      expect(output.ok).toBe(true);
      expect(output.activation.activated).toBe(true);
      expect(output.replays).toHaveLength(1);
      expect(output.replays[0].report).toMatchObject({
        decisions: 2,
        changed: 1,
        unchanged: 1,
        transitions: [{ from: 'escalate', to: 'allow', count: 1 }],
      });
      const progress = jsonLines(compile.stderr).map(
        (line) => line['progress'] as { server?: string; stage: string },
      );
      expect(progress).toContainEqual(expect.objectContaining({ server: 'filesystem', stage: 'repair' }));

      const generated = join(home.ironcurtainHome, 'generated');
      const loaded = await loadPolicyDirectory(generated);
      const verify = await home.run(['policy', 'verify', '--policy-dir', generated]);
      expect(verify.stdout).toMatch(/policy verify: \d+ scenarios, \d+ passed, 0 failed/);
      expect(verify.code).toBe(0);
      const bundle = await activeBundle();
      expect(bundle?.value.policyHash).toBe(loaded.policyHash);
      const raw = async (name: string) =>
        JSON.parse(await readFile(join(generated, name), 'utf8')) as unknown;
      expect(
        computePolicyHash({
          compiledPolicy: await raw('compiled-policy.json'),
          toolAnnotations: await raw('tool-annotations.json'),
          dynamicLists: await raw('dynamic-lists.json'),
        }),
      ).toBe(bundle?.value.policyHash);
      const traceability = await readFile(join(generated, 'traceability.txt'), 'utf8');
      expect(traceability).toMatch(/\[U\d+\] .*~\/Downloads[\s\S]*allow-write-downloads/);
      expect(traceability).toContain(
        'filesystem.move_file [delete-path]: sandbox only; elsewhere default-deny',
      );

      const log = (await readFile(join(home.ironcurtainHome, 'compile', 'llm-interactions.jsonl'), 'utf8'))
        .trim()
        .split('\n');
      expect(log).toHaveLength(home.fake.requests.length);

      const before = home.fake.requests.length;
      const again = await home.run(['compile-policy', '--no-activate']);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('0 LLM calls');
      expect(home.fake.requests.length).toBe(before);
    } finally {
      await home.fake.close();
    }
  });
});
