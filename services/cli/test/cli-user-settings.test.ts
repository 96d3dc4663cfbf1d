// The CLI's own share of config.json: `policyModelId`, the provider keys and base URLs for the compile commands,
// read from a real file; the key and base URL from the file reach a wire-level fake provider.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '@ironcurtain/testing';
import {
  configuredCompileModel,
  createCompileAskContext,
  defaultPolicyModel,
} from '../src/domain/compile/compile-llm.js';

describe('the compile commands’ model', () => {
  let home: string;
  const written: string[] = [];
  const stderr = { write: (text: string) => void written.push(text) };

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-policy-model-'));
    written.length = 0;
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it("is config.json's policyModelId (a bare name meaning Anthropic), else the default", async () => {
    expect((await configuredCompileModel(home, stderr)).modelId).toBe(defaultPolicyModel);
    await writeFile(
      join(home, 'config.json'),
      JSON.stringify({ policyModelId: 'claude-opus-4-5', anthropicApiKey: 'fixture-key', colour: 1 }),
    );
    await chmod(join(home, 'config.json'), 0o600);
    const configured = await configuredCompileModel(home, stderr);
    expect(configured.modelId).toBe('anthropic:claude-opus-4-5');
    expect(configured.apiKeys.anthropic).toBe('fixture-key');
    expect(written.join('')).toMatch(/^ironcurtain: warning: .*unknown key colour/);
  });

  it('refuses an invalid config.json, naming the key', async () => {
    await writeFile(join(home, 'config.json'), JSON.stringify({ policyModelId: 'nowhere:model' }));
    await expect(configuredCompileModel(home, stderr)).rejects.toThrow(/policyModelId: a model id/);
  });

  it('is --model, then IRONCURTAIN_POLICY_MODEL, then config.json, then the default', () => {
    const modelOf = (env: Record<string, string>, model?: string, modelId?: string): string =>
      createCompileAskContext(
        env,
        home,
        model,
        modelId === undefined ? undefined : { modelId, apiKeys: {}, baseUrls: {} },
      ).llm.modelId;
    const configured = 'anthropic:claude-opus-4-5';
    const fromEnvironment = { IRONCURTAIN_POLICY_MODEL: 'openai:gpt-4.1' };
    expect(modelOf(fromEnvironment, 'openai:gpt-4.1-mini', configured)).toBe('openai:gpt-4.1-mini');
    expect(modelOf(fromEnvironment, undefined, configured)).toBe('openai:gpt-4.1');
    expect(modelOf({ IRONCURTAIN_POLICY_MODEL: '' }, undefined, configured)).toBe(configured);
    expect(modelOf({})).toBe(defaultPolicyModel);
  });

  it("sends config.json's key to config.json's base URL; the environment's key wins over the file's", async () => {
    const fileKey = 'fixture-file-key';
    const provider = await startFakeAnthropic({ apiKey: fileKey, respond: () => ({ text: 'compiled' }) });
    try {
      await writeFile(
        join(home, 'config.json'),
        JSON.stringify({ anthropicApiKey: fileKey, anthropicBaseUrl: provider.url }),
        { mode: 0o600 },
      );
      const configured = await configuredCompileModel(home, stderr);
      const exchange = {
        stage: 'test',
        system: 'Answer.',
        messages: [{ role: 'user' as const, content: 'Hi' }],
      };
      const fromFile = createCompileAskContext({}, home, undefined, configured);
      expect(await fromFile.llm.complete(exchange)).toBe('compiled');
      expect(provider.requests.at(-1)?.headers['x-api-key']).toBe(fileKey);

      const fromEnvironment = createCompileAskContext(
        { ANTHROPIC_API_KEY: 'fixture-environment-key' },
        home,
        undefined,
        configured,
      );
      await expect(fromEnvironment.llm.complete(exchange)).rejects.toThrow();
      expect(provider.requests.at(-1)?.headers['x-api-key']).toBe('fixture-environment-key');
    } finally {
      await provider.close();
    }
  });
});
