// `ironcurtain policy verify` as a real process, on policies written to temporary folders.
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { cliEnvironment } from './stack-process.js';
import {
  runCliWithInput,
  writeMcpConfig,
  writePolicy,
  type FixtureRule,
  type FixtureScenario,
} from './policy-fixture.js';

describe('ironcurtain policy verify', () => {
  let root: string;
  let mcpConfig: string;
  let rules: FixtureRule[];
  const goodScenarios: FixtureScenario[] = [
    {
      description: 'read a file in the sandbox',
      request: { serverName: 'filesystem', toolName: 'read_file', arguments: { path: 'notes.txt' } },
      expectedDecision: 'allow',
    },
    {
      description: 'fetch a docs page',
      request: { serverName: 'fetch', toolName: 'http_fetch', arguments: { url: 'https://docs.example/a' } },
      expectedDecision: 'allow',
    },
    {
      description: 'fetch another site',
      request: { serverName: 'fetch', toolName: 'http_fetch', arguments: { url: 'https://other.example/' } },
      expectedDecision: 'escalate',
    },
    {
      description: 'another site is not allowed',
      request: { serverName: 'fetch', toolName: 'http_fetch', arguments: { url: 'https://other.example/' } },
      expectedDecision: 'not-allow',
    },
    {
      description: 'read /etc/shadow',
      request: { serverName: 'filesystem', toolName: 'read_file', arguments: { path: '/etc/shadow' } },
      expectedDecision: 'not-allow',
    },
  ];

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'ironcurtain-policy-verify-')));
    mcpConfig = await writeMcpConfig(join(root, 'mcp-servers.json'));
    rules = [
      {
        name: 'allow-fetch-docs',
        if: { domains: { roles: ['fetch-url'], allowed: ['@docs-sites'] } },
        then: 'allow',
      },
      { name: 'escalate-fetch', if: { roles: ['fetch-url'] }, then: 'escalate' },
    ];
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const verify = (policyDir: string, extra: readonly string[] = []) =>
    runCliWithInput(['policy', 'verify', '--policy-dir', policyDir, '--mcp-config', mcpConfig, ...extra], {
      env: cliEnvironment(join(root, 'home'), { HOME: root }),
      cwd: root,
    });

  it('passes when every scenario gets its expected decision', async () => {
    const policyDir = await writePolicy(join(root, 'good'), rules, goodScenarios);
    const run = await verify(policyDir);
    expect(run.stdout).toBe('policy verify: 5 scenarios, 5 passed, 0 failed\n');
    expect(run.code).toBe(0);
  });

  it('exits 1 and names each failing scenario with expected, got, rule and reason', async () => {
    const policyDir = await writePolicy(join(root, 'bad'), rules, [
      ...goodScenarios,
      {
        description: 'read the SSH key (wrongly expected to be allowed)',
        request: { serverName: 'filesystem', toolName: 'read_file', arguments: { path: '~/.ssh/id_rsa' } },
        expectedDecision: 'allow',
      },
      {
        description: 'docs are wrongly expected to escalate',
        request: {
          serverName: 'fetch',
          toolName: 'http_fetch',
          arguments: { url: 'https://docs.example/b' },
        },
        expectedDecision: 'not-allow',
      },
    ]);
    const run = await verify(policyDir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAIL  scenario 6: read the SSH key (wrongly expected to be allowed)');
    expect(run.stdout).toContain('expected allow, got deny (rule structural-secret-path)');
    expect(run.stdout).toContain('FAIL  scenario 7: docs are wrongly expected to escalate');
    expect(run.stdout).toContain('expected not-allow, got allow (rule allow-fetch-docs)');
    expect(run.stdout).toContain('reason: because allow-fetch-docs');
    expect(run.stdout).toMatch(/policy verify: 7 scenarios, 5 passed, 2 failed\n$/);

    const json = await verify(policyDir, ['--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as {
      ok: boolean;
      failures: { description: string; got: string }[];
    };
    expect(report.ok).toBe(false);
    expect(report.failures.map((failure) => failure.got)).toEqual(['deny', 'allow']);
  });

  it('exits 1 when test-scenarios.json is missing or invalid', async () => {
    const missing = await verify(await writePolicy(join(root, 'no-scenarios'), rules));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('test-scenarios.json: not found in');

    const invalidDir = await writePolicy(join(root, 'invalid-scenarios'), rules);
    await writeFile(
      join(invalidDir, 'test-scenarios.json'),
      JSON.stringify({
        generatedAt: 'x',
        constitutionHash: 'x',
        inputHash: 'x',
        scenarios: [{ description: 1 }],
      }),
    );
    const invalid = await verify(invalidDir);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('test-scenarios.json: scenarios[0].description');
    expect(invalid.stdout).toBe('');
  });

  it('passes on the policy IronCurtain ships with', async () => {
    const run = await runCliWithInput(['policy', 'verify', '--policy-dir', defaultPolicyDir], {
      env: cliEnvironment(join(root, 'home'), { HOME: root }),
      cwd: root,
    });
    expect(run.stdout).toMatch(/^policy verify: (\d+) scenarios, \1 passed, 0 failed\n$/);
    expect(run.code).toBe(0);
  });
});
