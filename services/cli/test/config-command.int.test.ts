// `ironcurtain config get|set|unset|list|path` as scripts use them, run as the real CLI process: values are
// validated before anything is written (exit code 2, the file byte for byte as it was), the file is written 0600,
// secrets are never printed whole; and the first `start` without a terminal never asks anything.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliEnvironment, runCli } from './stack-process.js';

const secret = 'sk-ant-very-secret-key-0123456789';

describe('ironcurtain config for scripts', () => {
  let home: string;
  let environment: Record<string, string>;
  const configFile = () => join(home, 'config.json');

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-config-'));
    environment = cliEnvironment(home);
  });
  afterEach(async () => rm(home, { recursive: true, force: true }));

  it('set writes a checked value with mode 0600, get prints it, unset brings the default back', async () => {
    const set = await runCli(['config', 'set', 'resourceBudget.maxSteps', '50'], environment);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('resourceBudget.maxSteps = 50');
    expect((await stat(configFile())).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(configFile(), 'utf8'))).toEqual({ resourceBudget: { maxSteps: 50 } });

    const get = await runCli(['config', 'get', 'resourceBudget.maxSteps'], environment);
    expect(get).toMatchObject({ code: 0, stdout: '50\n', stderr: '' });
    const json = await runCli(['config', 'get', 'resourceBudget.maxSteps', '--json'], environment);
    expect(JSON.parse(json.stdout)).toEqual({ key: 'resourceBudget.maxSteps', value: 50, source: 'file' });

    expect((await runCli(['config', 'unset', 'resourceBudget.maxSteps'], environment)).code).toBe(0);
    expect(JSON.parse(await readFile(configFile(), 'utf8'))).toEqual({});
    const fallback = await runCli(['config', 'get', 'resourceBudget.maxSteps'], environment);
    expect(fallback.stdout).toBe('200\n');
    expect(fallback.stderr).toContain('the default: resourceBudget.maxSteps is not set in');
  });

  it('refuses a bad value and an unknown key with exit code 2, leaving the file as it was', async () => {
    const original = '{\n  "agentModelId": "openai:gpt-4.1",\n  "myOwnNote": "kept"\n}\n';
    await writeFile(configFile(), original, { mode: 0o600 });

    const badValue = await runCli(['config', 'set', 'escalationTimeoutSeconds', '5'], environment);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain('escalationTimeoutSeconds: at least 30');
    const badType = await runCli(['config', 'set', 'resourceBudget.maxSteps', 'fifty'], environment);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain('resourceBudget.maxSteps:');
    const unknown = await runCli(['config', 'set', 'resourceBudget.maxStep', '5'], environment);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown config key resourceBudget.maxStep');
    expect(unknown.stderr).toContain('maxSteps');
    const unknownTop = await runCli(['config', 'get', 'agentModel'], environment);
    expect(unknownTop.code).toBe(2);
    expect(unknownTop.stderr).toContain('agentModelId');

    expect(await readFile(configFile(), 'utf8')).toBe(original);
    // A key the schema does not know stays in the file when another is set.
    expect((await runCli(['config', 'set', 'escalationTimeoutSeconds', '60'], environment)).code).toBe(0);
    expect(JSON.parse(await readFile(configFile(), 'utf8'))).toEqual({
      agentModelId: 'openai:gpt-4.1',
      myOwnNote: 'kept',
      escalationTimeoutSeconds: 60,
    });
  });

  it('never prints a secret whole: get, get --json, list and set mask it', async () => {
    const set = await runCli(['config', 'set', 'anthropicApiKey', secret], environment);
    const token = await runCli(
      ['config', 'set', 'serverCredentials.github.GITHUB_PERSONAL_ACCESS_TOKEN', 'ghp_secret_token_1'],
      environment,
    );
    expect(token.code, token.stderr).toBe(0);
    const get = await runCli(['config', 'get', 'anthropicApiKey'], environment);
    const json = await runCli(['config', 'get', 'anthropicApiKey', '--json'], environment);
    const list = await runCli(['config', 'list'], environment);
    const listJson = await runCli(['config', 'list', '--json'], environment);
    for (const output of [set, token, get, json, list, listJson]) {
      expect(output.stdout + output.stderr).not.toContain(secret);
      expect(output.stdout + output.stderr).not.toContain('ghp_secret_token_1');
    }
    expect(get.stdout).toBe(`sk-a… (${secret.length} characters, hidden)\n`);
    expect(JSON.parse(json.stdout)).toMatchObject({
      source: 'file',
      value: `sk-a… (${secret.length} characters, hidden)`,
    });
    expect(list.stdout).toMatch(/budgets:\n {2}resourceBudget\.maxTotalTokens = 1000000 \(default\)/);
    const settings = JSON.parse(listJson.stdout) as Array<{ key: string; source: string }>;
    expect(settings.find((setting) => setting.key === 'anthropicApiKey')?.source).toBe('file');
    expect(settings.map((setting) => setting.key)).toContain('dockerResources.memoryMb');
    // The secret itself is in the file, for the egress.
    expect(JSON.parse(await readFile(configFile(), 'utf8'))).toMatchObject({ anthropicApiKey: secret });
  });

  it('path prints where the file is; setup and config alone refuse to run without a terminal', async () => {
    expect((await runCli(['config', 'path'], environment)).stdout).toBe(`${configFile()}\n`);
    const setup = await runCli(['setup'], environment);
    expect(setup.code).toBe(2);
    expect(setup.stderr).toContain('needs a terminal');
    expect((await runCli(['config'], environment)).code).toBe(2);
    await expect(stat(configFile())).rejects.toThrow();
  });

  it('the first start without a terminal asks nothing and writes no config.json', async () => {
    // Nothing answers on this NATS URL, so start fails fast once past the point where the wizard would run.
    const start = await runCli(['start', 'a task'], { ...environment, NATS_URL: 'nats://127.0.0.1:1' });
    expect(start.code).not.toBe(0);
    expect(start.stderr).toContain('cannot connect to NATS');
    expect(start.stdout + start.stderr).not.toMatch(/IronCurtain setup|No config\.json yet|model provider/);
    await expect(stat(configFile())).rejects.toThrow();
  });
});
