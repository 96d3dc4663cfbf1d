import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  configValueAt,
  displayConfigValue,
  loadUserConfig,
  parseValueText,
  serviceSettingsOf,
  withConfigValue,
  withoutConfigValue,
  writeUserConfig,
} from '../src/index.js';

const fixture = new URL('fixtures/every-key.json', import.meta.url);

async function homeWith(text: string | undefined, mode = 0o600): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'ic-user-config-'));
  if (text !== undefined) {
    await writeFile(join(home, 'config.json'), text);
    await chmod(join(home, 'config.json'), mode);
  }
  return home;
}

describe('loadUserConfig', () => {
  it('gives the defaults when there is no file', async () => {
    const loaded = await loadUserConfig(await homeWith(undefined));
    expect(loaded.exists).toBe(false);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.agentModelId).toBe('anthropic:claude-sonnet-4-6');
    expect(loaded.config.escalationTimeoutSeconds).toBe(300);
    expect(loaded.config.resourceBudget).toEqual({
      maxTotalTokens: 1_000_000,
      maxSteps: 200,
      maxSessionSeconds: 1800,
      maxEstimatedCostUsd: 5,
      warnThresholdPercent: 80,
    });
    expect(loaded.config.auditRedaction.enabled).toBe(true);
    expect(loaded.config.autoApprove).toEqual({ enabled: false, modelId: 'anthropic:claude-haiku-4-5' });
  });

  it('reads every key of an original-format file, null meaning unlimited and bare model ids meaning Anthropic', async () => {
    const loaded = await loadUserConfig(await homeWith(await readFile(fixture, 'utf8')));
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.agentModelId).toBe('openai:gpt-4.1-mini');
    expect(loaded.config.policyModelId).toBe('anthropic:claude-opus-4-5');
    expect(loaded.config.resourceBudget.maxEstimatedCostUsd).toBeNull();
    expect(loaded.config.resourceBudget.maxSteps).toBe(3);
    expect(loaded.config.autoCompact.enabled).toBe(false);
    expect(loaded.config.preferredDockerAgent).toBe('codex');
  });

  it('warns about unknown keys, ignored original keys and a file others can read, and still loads', async () => {
    const text = JSON.stringify({
      agentModelid: 'x',
      memory: { enabled: true },
      resourceBudget: { maxStep: 3 },
    });
    const loaded = await loadUserConfig(await homeWith(text, 0o644));
    expect(loaded.warnings.join('\n')).toMatch(/unknown key agentModelid/);
    expect(loaded.warnings.join('\n')).toMatch(/unknown key resourceBudget\.maxStep/);
    expect(loaded.warnings.join('\n')).toMatch(/memory \(of the original IronCurtain\) is not used/);
    expect(loaded.warnings.join('\n')).toMatch(/mode 644.*chmod 600/);
    expect(loaded.config.resourceBudget.maxSteps).toBe(200);
  });

  it('names every bad key by its JSON path in one error, never repeating a secret', async () => {
    const text = JSON.stringify({
      escalationTimeoutSeconds: 5,
      resourceBudget: { maxSteps: 'fifty' },
      agentModelId: 'mystery:model',
      anthropicApiKey: '',
      webSearch: { provider: 'bing' },
    });
    const error = await loadUserConfig(await homeWith(text)).catch((caught: unknown) => caught as Error);
    expect((error as { code?: string }).code).toBe('CONFIG_INVALID');
    const message = (error as Error).message;
    expect(message).toMatch(/escalationTimeoutSeconds: at least 30 \(it is 5\)/);
    expect(message).toMatch(/resourceBudget\.maxSteps: .*\(it is "fifty"\)/);
    expect(message).toMatch(/agentModelId: a model id "provider:model"/);
    expect(message).toMatch(/anthropicApiKey: must not be empty/);
    expect(message).toMatch(/webSearch\.provider: /);
    expect(message).toMatch(/ironcurtain config set KEY VALUE/);
  });

  it('reports a file that is not JSON with the parser position', async () => {
    await expect(loadUserConfig(await homeWith('{ "agentModelId": '))).rejects.toThrow(/is not valid JSON/);
  });

  it('never quotes the broken text, which may be an API key (the JSON parser would)', async () => {
    const broken = '{ "anthropicApiKey": sk-ant-fixture-unquoted-key }';
    const failure = await loadUserConfig(await homeWith(broken)).catch((error: unknown) => error as Error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/is not valid JSON/);
    expect((failure as Error).message).not.toContain('sk-ant');
    await expect(loadUserConfig(await homeWith('{ "a": 1,, }'))).rejects.toThrow(/\(line 1 column 10\)/);
  });
});

describe('writing and editing', () => {
  it('writes with mode 0600, keeps unknown keys, and refuses an invalid value without writing', async () => {
    const home = await homeWith(undefined);
    const raw = withConfigValue({ futureKey: 1 }, 'resourceBudget.maxSteps', parseValueText('50'));
    await writeUserConfig(home, raw);
    expect((await stat(join(home, 'config.json'))).mode & 0o777).toBe(0o600);
    expect((await loadUserConfig(home)).raw).toEqual({ futureKey: 1, resourceBudget: { maxSteps: 50 } });
    expect(() => withConfigValue(raw, 'escalationTimeoutSeconds', 1000)).toThrow(/at most 600/);
    expect(() => withConfigValue(raw, 'resourceBudget.maxStepz', 1)).toThrow(
      /unknown config key resourceBudget\.maxStepz; the keys under resourceBudget are: maxTotalTokens/,
    );
    expect(() => withConfigValue(raw, '__proto__.polluted', 1)).toThrow(/not a config key/);
  });

  it('sets null for unlimited, unsets back to the default, and masks secrets for display', async () => {
    const raw = withConfigValue({}, 'resourceBudget.maxEstimatedCostUsd', parseValueText('null'));
    expect(configValueAt(raw, 'resourceBudget.maxEstimatedCostUsd')).toBeNull();
    expect(withoutConfigValue(raw, 'resourceBudget.maxEstimatedCostUsd')).toEqual({});
    const withKey = withConfigValue({}, 'serverCredentials.github.GITHUB_TOKEN', 'ghp_fixture_value_123');
    expect(displayConfigValue('serverCredentials', withKey['serverCredentials'])).not.toContain(
      'fixture_value',
    );
    expect(displayConfigValue('anthropicApiKey', 'sk-ant-fixture-secret')).toBe(
      '"sk-a… (21 characters, hidden)"',
    );
    expect(displayConfigValue('agentModelId', 'openai:gpt-4.1')).toBe('"openai:gpt-4.1"');
  });
});

describe('serviceSettingsOf', () => {
  it('hands provider keys only to mitm-egress and credentials only to the gateway', async () => {
    const loaded = await loadUserConfig(await homeWith(await readFile(fixture, 'utf8')));
    const settings = serviceSettingsOf(loaded.config);
    const secrets = ['fixture-anthropic', 'fixture-openai', 'fixture-google', 'fixture-compatible'];
    for (const [service, environment] of Object.entries(settings)) {
      const text = JSON.stringify(environment);
      for (const secret of secrets)
        expect(text.includes(secret), `${service} got ${secret}`).toBe(service === 'mitm-egress');
      for (const secret of ['fixture-github-token', 'fixture-brave-key']) {
        expect(text.includes(secret), `${service} got ${secret}`).toBe(service === 'mcp-gateway');
      }
    }
    expect(settings['session-orchestrator']).toMatchObject({
      ORCH_DEFAULT_MODEL: 'openai:gpt-4.1-mini',
      ORCH_BUDGET_STEPS: '3',
      ORCH_BUDGET_MINUTES: '10',
      ORCH_BUDGET_COST_USD: 'null',
      ORCH_BUDGET_WARN_PERCENT: '50',
      ORCH_AUTO_COMPACT_ENABLED: 'false',
      ORCH_AGENT_MEMORY_MB: '2048',
    });
    expect(settings['escalation-router']).toEqual({
      ESCALATION_TIMEOUT_SECONDS: '45',
      ESCALATION_AUTO_APPROVE: 'true',
      ESCALATION_AUTO_APPROVE_MODEL: 'openai:gpt-4.1-nano',
    });
    expect(settings['audit-writer']).toEqual({ AUDIT_REDACTION: 'off' });
    expect(JSON.parse(settings['mcp-gateway']?.['MCPGW_SERVER_CREDENTIALS'] ?? '{}')).toEqual({
      github: { GITHUB_PERSONAL_ACCESS_TOKEN: 'fixture-github-token-not-real' },
      fetch: { WEB_SEARCH_PROVIDER: 'brave', BRAVE_API_KEY: 'fixture-brave-key-not-real' },
    });
    expect(JSON.parse(settings['mitm-egress']?.['EGRESS_OPENAI_COMPATIBLE'] ?? '[]')).toEqual([
      { name: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1' },
      {
        name: 'openai-compatible',
        baseUrl: 'https://openrouter.example/api/v1',
        apiKeyEnv: 'OPENAI_COMPATIBLE_API_KEY',
      },
    ]);
  });
});
