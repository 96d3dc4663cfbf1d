// `ironcurtain policy activate` as a real process against a real nats-server: what lands in KV policy/active.
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, getJson, openKeyValue, type Bus } from '@ironcurtain/bus';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { computePolicyHash, parsePolicyArtifacts } from '@ironcurtain/policy-engine';
import { activePolicyKey, PolicyBundle, policyBucket } from '@ironcurtain/proto-schemas';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { cliEnvironment } from './stack-process.js';
import {
  runCliWithInput,
  writeMcpConfig,
  writePolicy,
  type FixtureRule,
  type FixtureScenario,
} from './policy-fixture.js';

const cliPassword = 'activate-test-password';

describe('ironcurtain policy activate', () => {
  let root: string;
  let home: string;
  let nats: NatsServerHandle;
  let bus: Bus;
  let mcpConfig: string;
  const rules: FixtureRule[] = [
    {
      name: 'allow-fetch-docs',
      if: { domains: { roles: ['fetch-url'], allowed: ['@docs-sites'] } },
      then: 'allow',
    },
    { name: 'escalate-fetch', if: { roles: ['fetch-url'] }, then: 'escalate' },
  ];
  const docsScenario = (expectedDecision: FixtureScenario['expectedDecision']): FixtureScenario => ({
    description: `fetch docs, expected ${expectedDecision}`,
    request: { serverName: 'fetch', toolName: 'http_fetch', arguments: { url: 'https://docs.example/' } },
    expectedDecision,
  });

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'ironcurtain-policy-activate-')));
    home = join(root, 'home');
    await mkdir(home);
    mcpConfig = await writeMcpConfig(join(root, 'mcp-servers.json'));
    nats = await startNats({
      config: `authorization { users = [ { user: cli, password: "${cliPassword}" } ] }`,
    });
    bus = await connectBus({ url: nats.url, name: 'activate-test', user: 'cli', password: cliPassword });
  });

  afterAll(async () => {
    await bus?.close();
    await nats?.dispose();
    await rm(root, { recursive: true, force: true });
  });

  const activate = (args: readonly string[], env: Record<string, string>) =>
    runCliWithInput(['policy', 'activate', ...args, '--mcp-config', mcpConfig], {
      env: cliEnvironment(home, { HOME: root, ...env }),
      cwd: root,
    });
  const activateIfNone = (args: readonly string[]) =>
    runCliWithInput(['policy', 'activate', '--if-none', ...args], {
      env: cliEnvironment(home, { HOME: root, ...natsEnv() }),
      cwd: root,
    });
  const natsEnv = () => ({ NATS_URL: nats.url, NATS_USER: 'cli', NATS_PASSWORD: cliPassword });
  const activeBundle = async () => {
    const kv = await openKeyValue(bus, policyBucket, { history: 5 });
    return getJson(kv, activePolicyKey, PolicyBundle);
  };
  const readRaw = async (directory: string) => ({
    compiledPolicy: JSON.parse(await readFile(join(directory, 'compiled-policy.json'), 'utf8')) as unknown,
    toolAnnotations: JSON.parse(await readFile(join(directory, 'tool-annotations.json'), 'utf8')) as unknown,
    dynamicLists: JSON.parse(await readFile(join(directory, 'dynamic-lists.json'), 'utf8')) as unknown,
  });

  it('publishes a PolicyBundle whose hash is computePolicyHash of the files, after the scenarios pass', async () => {
    const policyDir = await writePolicy(join(root, 'good'), rules, [docsScenario('allow')]);
    const run = await activate([policyDir], natsEnv());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    const raw = await readRaw(policyDir);
    const expectedHash = computePolicyHash(raw);
    expect(run.stdout).toContain('policy verify: 1 scenarios, 1 passed, 0 failed');
    expect(run.stdout).toContain(`activated policy ${expectedHash} (2 rules) from ${policyDir}`);

    const stored = await activeBundle();
    if (stored === undefined) throw new Error('nothing in KV policy/active');
    const bundle = stored.value;
    expect(bundle.version).toBe(1);
    expect(bundle.policyHash).toBe(expectedHash);
    expect(bundle.source).toBe(policyDir);
    expect(bundle.activatedBy).toMatch(/.+/);
    expect(Date.now() - Date.parse(bundle.activatedAt)).toBeLessThan(60_000);
    // The artifacts as written (list references unexpanded), and loadable the way the PDP loads them.
    expect(bundle.compiledPolicy).toEqual(raw.compiledPolicy);
    expect(bundle.dynamicLists).toEqual(raw.dynamicLists);
    const loaded = parsePolicyArtifacts({
      compiledPolicy: bundle.compiledPolicy,
      toolAnnotations: bundle.toolAnnotations,
      dynamicLists: bundle.dynamicLists,
    });
    expect(loaded.policyHash).toBe(bundle.policyHash);
  });

  it('refuses an invalid policy folder, naming the file and the JSON path, and publishes nothing', async () => {
    const before = await activeBundle();
    const policyDir = await writePolicy(join(root, 'invalid'), rules);
    const compiled = JSON.parse(await readFile(join(policyDir, 'compiled-policy.json'), 'utf8')) as {
      rules: { then: string }[];
    };
    (compiled.rules[1] as { then: string }).then = 'permit';
    await writeFile(join(policyDir, 'compiled-policy.json'), JSON.stringify(compiled));
    const run = await activate([policyDir], natsEnv());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`the policy in ${policyDir} is not valid`);
    expect(run.stderr).toContain('compiled-policy.json: rules[1].then');
    expect((await activeBundle())?.revision).toBe(before?.revision);
  });

  it('refuses a policy whose scenarios fail, unless --skip-verify', async () => {
    const before = await activeBundle();
    const policyDir = await writePolicy(join(root, 'failing'), rules, [docsScenario('deny')]);
    const refused = await activate([policyDir], natsEnv());
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('FAIL  scenario 1: fetch docs, expected deny');
    expect(refused.stderr).toContain('not activating');
    expect((await activeBundle())?.revision).toBe(before?.revision);

    const forced = await activate([policyDir, '--skip-verify'], natsEnv());
    expect(forced.code).toBe(0);
    const after = await activeBundle();
    expect(after?.revision).toBeGreaterThan(before?.revision ?? 0);
    expect(after?.value.source).toBe(policyDir);
  });

  it('without NATS_URL, logs in as the cli user of the local stack in stack.json', async () => {
    const policyDir = await writePolicy(join(root, 'via-stack'), [rules[0] as FixtureRule]);
    await mkdir(join(home, 'run'), { recursive: true });
    const stack = {
      natsUrl: nats.url,
      natsPid: nats.pid,
      cliCredentials: { user: 'cli', password: cliPassword },
      // The test runner itself: a live PID stands in for the supervisor of `ironcurtain up`.
      supervisorPid: process.pid,
      services: {},
      startedAt: new Date().toISOString(),
    };
    await writeFile(join(home, 'run', 'stack.json'), JSON.stringify(stack), { mode: 0o600 });
    try {
      const run = await activate([policyDir], {});
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('(1 rule)');
      expect((await activeBundle())?.value.source).toBe(policyDir);
    } finally {
      await rm(join(home, 'run', 'stack.json'));
    }
  });

  it('--if-none leaves an active policy as it is, and activates the shipped one when none is', async () => {
    const before = await activeBundle();
    if (before === undefined) throw new Error('the tests above left no active policy');
    const kept = await activateIfNone([]);
    expect(kept.stderr).toBe('');
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain(`a policy is active already, left as it is: ${before.value.policyHash}`);
    expect((await activeBundle())?.revision).toBe(before.revision);

    await (await openKeyValue(bus, policyBucket, { history: 5 })).purge(activePolicyKey);
    const activated = await activateIfNone([]);
    expect(activated.stderr).toBe('');
    expect(activated.code).toBe(0);
    const after = await activeBundle();
    expect(after?.value.source).toBe(defaultPolicyDir);
    expect(activated.stdout).toContain(
      `no policy was active: activated policy ${after?.value.policyHash} from ${defaultPolicyDir}`,
    );
  });

  it('--if-none DIR activates DIR when none is active, and fails when it does not load', async () => {
    const kv = await openKeyValue(bus, policyBucket, { history: 5 });
    await kv.purge(activePolicyKey);
    const broken = join(root, 'if-none-broken');
    await mkdir(broken);
    const refused = await activateIfNone([broken]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`no policy is active, and ${broken} could not be loaded`);
    expect(await activeBundle()).toBeUndefined();

    const policyDir = await writePolicy(join(root, 'if-none'), rules);
    const activated = await activateIfNone([policyDir]);
    expect(activated.stderr).toBe('');
    expect(activated.code).toBe(0);
    expect((await activeBundle())?.value.source).toBe(policyDir);
  });

  it('without DIR or --if-none, asks for one', async () => {
    const run = await runCliWithInput(['policy', 'activate'], {
      env: cliEnvironment(home, { HOME: root, ...natsEnv() }),
      cwd: root,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('give the policy folder');
  });

  it('without NATS_URL or a running stack, says how to get one', async () => {
    const policyDir = await writePolicy(join(root, 'no-stack'), rules);
    const run = await activate([policyDir], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ironcurtain up');
    expect(run.stderr).toContain('NATS_URL');
  });
});
