// config.json under `ironcurtain up`: the real CLI, the real services from dist and a private nats-server. The CLI
// reads the file once and hands each service only its share; what each child holds is read from /proc/<pid>/environ
// (SECURITY.md invariant 5: provider keys reach mitm-egress alone, server credentials the mcp-gateway alone).
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackState } from '../src/domain/stack/stack-state.js';
import { stackServiceNames } from '../src/domain/stack/stack-services.js';
import {
  cliEnvironment,
  killLeftovers,
  pidsOf,
  readStackFile,
  runCli,
  startCli,
  type CliProcess,
} from './stack-process.js';

const fixture = new URL('../../../libs/user-config/test/fixtures/every-key.json', import.meta.url);

// Every secret of the fixture (obviously fake values), and the one the environment sets for `up`.
const providerKeys = [
  'fixture-anthropic-key-not-real',
  'fixture-google-key-not-real',
  'fixture-compatible-key-not-real',
  'environment-openai-key-not-real',
];
const gatewaySecrets = ['fixture-github-token-not-real', 'fixture-brave-key-not-real'];

async function environmentOf(pid: number): Promise<Record<string, string>> {
  const pairs = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0').filter(Boolean);
  return Object.fromEntries(
    pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

async function homeWithConfig(config: unknown): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'ironcurtain-user-config-'));
  const file = join(home, 'config.json');
  await writeFile(file, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  await chmod(file, 0o600);
  return home;
}

describe('ironcurtain up with a config.json holding every key', () => {
  let home: string;
  let up: CliProcess | undefined;
  let stack: StackState;
  const environments = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    const config = JSON.parse(await readFile(fixture, 'utf8')) as Record<string, unknown>;
    home = await homeWithConfig({ ...config, colour: 'blue' });
    up = startCli(
      ['up'],
      cliEnvironment(home, {
        // Set for `up`: these win over the file.
        OPENAI_API_KEY: 'environment-openai-key-not-real',
        ORCH_BUDGET_TOKENS: '777',
      }),
    );
    await up.waitForOutput(/IronCurtain is up: nats:\/\/127\.0\.0\.1:\d+ \(7 services\)/, 60_000);
    const state = await readStackFile(home);
    if (state === undefined) throw new Error('no stack.json');
    stack = state;
    for (const name of stackServiceNames) {
      const pid = stack.services[name];
      if (typeof pid !== 'number') throw new Error(`no PID of ${name} in stack.json`);
      environments.set(name, await environmentOf(pid));
    }
    if (stack.natsPid !== null) environments.set('nats-server', await environmentOf(stack.natsPid));
  }, 90_000);

  afterAll(async () => {
    up?.child.kill('SIGTERM');
    await up?.exited;
    await killLeftovers(up, stack === undefined ? [] : pidsOf(stack));
    await rm(home, { recursive: true, force: true });
  });

  it('hands the provider keys to mitm-egress and to no other process', () => {
    const egress = environments.get('mitm-egress') ?? {};
    expect(egress).toMatchObject({
      ANTHROPIC_API_KEY: 'fixture-anthropic-key-not-real',
      OPENAI_API_KEY: 'environment-openai-key-not-real',
      GOOGLE_API_KEY: 'fixture-google-key-not-real',
      OPENAI_COMPATIBLE_API_KEY: 'fixture-compatible-key-not-real',
    });
    expect(JSON.parse(egress['EGRESS_OPENAI_COMPATIBLE'] ?? '[]')).toContainEqual(
      expect.objectContaining({ name: 'openai-compatible', apiKeyEnv: 'OPENAI_COMPATIBLE_API_KEY' }),
    );
    expect(environments.size).toBe(8);
    for (const [name, environment] of environments) {
      if (name === 'mitm-egress') continue;
      const text = JSON.stringify(environment);
      for (const key of [...providerKeys, 'fixture-openai-key-not-real'])
        expect(text, `${key} in ${name}`).not.toContain(key);
    }
    // The file's OpenAI key lost to the environment's: it is nowhere.
    expect(JSON.stringify(egress)).not.toContain('fixture-openai-key-not-real');
  });

  it('hands the server credential and the web-search key to the mcp-gateway and to no other process', () => {
    const credentials = JSON.parse(
      environments.get('mcp-gateway')?.['MCPGW_SERVER_CREDENTIALS'] ?? '{}',
    ) as unknown;
    expect(credentials).toEqual({
      github: { GITHUB_PERSONAL_ACCESS_TOKEN: 'fixture-github-token-not-real' },
      fetch: { WEB_SEARCH_PROVIDER: 'brave', BRAVE_API_KEY: 'fixture-brave-key-not-real' },
    });
    for (const [name, environment] of environments) {
      if (name === 'mcp-gateway') continue;
      const text = JSON.stringify(environment);
      for (const secret of gatewaySecrets) expect(text, `${secret} in ${name}`).not.toContain(secret);
    }
  });

  it('gives each service its settings from the file, an environment variable set for `up` winning', () => {
    expect(environments.get('escalation-router')).toMatchObject({
      ESCALATION_TIMEOUT_SECONDS: '45',
      ESCALATION_AUTO_APPROVE: 'true',
      ESCALATION_AUTO_APPROVE_MODEL: 'openai:gpt-4.1-nano',
    });
    expect(environments.get('audit-writer')).toMatchObject({ AUDIT_REDACTION: 'off' });
    expect(environments.get('session-orchestrator')).toMatchObject({
      ORCH_DEFAULT_MODEL: 'openai:gpt-4.1-mini',
      ORCH_BUDGET_STEPS: '3',
      ORCH_BUDGET_TOKENS: '777',
      ORCH_BUDGET_MINUTES: '10',
      ORCH_BUDGET_COST_USD: 'null',
      ORCH_BUDGET_WARN_PERCENT: '50',
      ORCH_AGENT_MEMORY_MB: '2048',
      ORCH_AGENT_CPUS: '1',
      ORCH_AGENT_PIDS: '512',
    });
    expect(environments.get('signal-bridge')).toMatchObject({ SIGNAL_BOT_NUMBER: '+15550001111' });
    // A service gets only its own share: no orchestrator setting in the router, no router setting in the audit-writer.
    expect(environments.get('escalation-router')).not.toHaveProperty('ORCH_BUDGET_STEPS');
    expect(environments.get('audit-writer')).not.toHaveProperty('ESCALATION_TIMEOUT_SECONDS');
  });

  it('says each warning about the file once, on stderr, and still starts', () => {
    const lines = (up?.output() ?? '').split('\n').filter((line) => line.includes('unknown key colour'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ironcurtain: warning: .*config\.json: unknown key colour is ignored/);
  });
});

describe('ironcurtain up and start with a malformed config.json', () => {
  let home: string;

  beforeAll(async () => {
    home = await homeWithConfig({
      escalationTimeoutSeconds: 5,
      resourceBudget: { maxSteps: 'fifty' },
      agentModelId: 'no-such-provider:model',
      anthropicApiKey: '',
      dockerResources: { cpus: -1 },
    });
  });

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  for (const args of [['up'], ['start', 'say hello'], ['demo']]) {
    it(`\`ironcurtain ${args[0]}\` exits 2 with one error naming each bad key, and starts nothing`, async () => {
      const { code, stdout, stderr } = await runCli(args, cliEnvironment(home));
      expect(code).toBe(2);
      const errors = stderr.split('\n').filter((line) => line.startsWith('ironcurtain: '));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(`${join(home, 'config.json')} has bad values:`);
      for (const key of [
        'escalationTimeoutSeconds: ',
        'resourceBudget.maxSteps: ',
        'agentModelId: ',
        'anthropicApiKey: ',
        'dockerResources.cpus: ',
      ])
        expect(stderr).toContain(`  ${key}`);
      expect(stderr).not.toMatch(/started|nats-server/);
      expect(stdout).not.toMatch(/started|IronCurtain is up/);
      await expect(stat(join(home, 'run'))).rejects.toThrow(/ENOENT/);
    });
  }
});
