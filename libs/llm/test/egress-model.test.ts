// Models through mitm-egress's reverse mode: the base URL per provider, the sentinel as the only key, and a provider
// the egress has no sentinel for refused (never a direct connection to a default address such as a local Ollama).
import { generateText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEgressLanguageModel,
  createLanguageModelThroughEgress,
  egressBaseUrls,
} from '@ironcurtain/llm';
import { startFakeOpenAI, type FakeLlmServer } from '@ironcurtain/testing';

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('egressBaseUrls', () => {
  it('is <egress>/<provider>/v1, and /google/v1beta for the version @ai-sdk/google speaks', () => {
    expect(
      egressBaseUrls('http://127.0.0.1:8788/', ['anthropic', 'google', 'ollama', 'openai-compatible']),
    ).toEqual({
      anthropic: 'http://127.0.0.1:8788/anthropic/v1',
      google: 'http://127.0.0.1:8788/google/v1beta',
      ollama: 'http://127.0.0.1:8788/ollama/v1',
      'openai-compatible': 'http://127.0.0.1:8788/openai-compatible/v1',
    });
  });
});

describe('createLanguageModelThroughEgress', () => {
  it('sends an ollama model to <egress>/ollama/v1 with the sentinel as its only key', async () => {
    // The fake stands in for the egress: it serves the path the egress would receive.
    server = await startFakeOpenAI({ basePath: '/ollama/v1', respond: () => ({ text: 'local' }) });
    const egressUrl = new URL(server.url).origin;
    const model = createLanguageModelThroughEgress({
      modelId: 'ollama:llama3.2',
      egressUrl,
      sentinels: { ollama: 'sk-ic-sentinel', anthropic: 'sk-ant-ic-other' },
    });
    expect((await generateText({ model, prompt: 'hi', maxRetries: 0 })).text).toBe('local');
    expect(server.requests[0]).toMatchObject({
      path: '/ollama/v1/chat/completions',
      body: { model: 'llama3.2' },
    });
    expect(server.requests[0]?.headers['authorization']).toBe('Bearer sk-ic-sentinel');
  });

  it.each(['ollama:llama3.2', 'openai-compatible:qwen2.5-coder'])(
    '%s without an egress sentinel is CONFIG_INVALID naming EGRESS_OPENAI_COMPATIBLE',
    (modelId) => {
      const create = () =>
        createLanguageModelThroughEgress({
          modelId,
          egressUrl: 'http://127.0.0.1:1',
          sentinels: { anthropic: 'a', openai: 'o', google: 'g' },
        });
      expect(create).toThrow(/EGRESS_OPENAI_COMPATIBLE/);
      expect(create).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    },
  );

  it('createEgressLanguageModel fails on first use when the egress has no endpoint, and tries again later', async () => {
    let opens = 0;
    const model = createEgressLanguageModel({
      modelId: 'ollama:llama3.2',
      egressUrl: 'http://127.0.0.1:1',
      openSession: () => Promise.resolve(((opens += 1), { anthropic: 'a' })),
    });
    await expect(generateText({ model, prompt: 'hi', maxRetries: 0 })).rejects.toThrow(
      /EGRESS_OPENAI_COMPATIBLE/,
    );
    await expect(generateText({ model, prompt: 'hi', maxRetries: 0 })).rejects.toThrow(
      /EGRESS_OPENAI_COMPATIBLE/,
    );
    expect(opens).toBe(2);
  });
});
