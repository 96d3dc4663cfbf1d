// Model ids, and real AI SDK calls through the models this lib builds, against fake providers on loopback.
import { generateText, Output } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLanguageModel, parseModelId } from '@ironcurtain/llm';
import { startFakeAnthropic, startFakeOpenAI, type FakeLlmServer } from '@ironcurtain/testing';

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('parseModelId', () => {
  it('splits provider:model at the first colon', () => {
    expect(parseModelId('anthropic:claude-sonnet-4-6')).toEqual({
      provider: 'anthropic',
      model: 'claude-sonnet-4-6',
    });
    expect(parseModelId('openai:ft:gpt-4.1:acme:1')).toEqual({
      provider: 'openai',
      model: 'ft:gpt-4.1:acme:1',
    });
    expect(parseModelId('google:gemini-2.5-flash')).toEqual({
      provider: 'google',
      model: 'gemini-2.5-flash',
    });
    expect(parseModelId('ollama:llama3.1:8b')).toEqual({ provider: 'ollama', model: 'llama3.1:8b' });
    expect(parseModelId('openai-compatible:Qwen/Qwen2.5-Coder-32B')).toEqual({
      provider: 'openai-compatible',
      model: 'Qwen/Qwen2.5-Coder-32B',
    });
  });

  it.each([
    'claude-sonnet-4-6',
    'gemini:gemini-2.5-pro',
    'mistral:large',
    'anthropic:',
    ':gpt-4.1',
    'openai:gpt 4',
    'openai:a\u0000b',
  ])('refuses %j with CONFIG_INVALID naming the providers', (modelId) => {
    expect(() => parseModelId(modelId)).toThrow(/anthropic, openai, google, ollama, openai-compatible/);
  });
});

describe('createLanguageModel', () => {
  const answer = z.object({ verdict: z.string() });

  it('needs the key of the model provider, and says which variable to set', () => {
    expect(() => createLanguageModel({ modelId: 'openai:gpt-4.1', apiKeys: { anthropic: 'k' } })).toThrow(
      /OPENAI_API_KEY/,
    );
  });

  it('talks to the Anthropic Messages API at the given base URL with the given key', async () => {
    server = await startFakeAnthropic({ apiKey: 'key-a', respond: () => ({ text: '{"verdict":"fine"}' }) });
    const model = createLanguageModel({
      modelId: 'anthropic:claude-sonnet-4-6',
      apiKeys: { anthropic: 'key-a' },
      baseUrls: { anthropic: server.url },
    });
    const { output } = await generateText({
      model,
      prompt: 'judge',
      output: Output.object({ schema: answer }),
    });
    expect(output).toEqual({ verdict: 'fine' });
    expect(server.requests[0]).toMatchObject({ path: '/v1/messages', body: { model: 'claude-sonnet-4-6' } });
  });

  it('talks to the OpenAI Chat Completions API at the given base URL with the given key', async () => {
    server = await startFakeOpenAI({ apiKey: 'key-o', respond: () => ({ text: '{"verdict":"fine"}' }) });
    const model = createLanguageModel({
      modelId: 'openai:gpt-4.1',
      apiKeys: { openai: 'key-o' },
      baseUrls: { openai: server.url },
    });
    const { output } = await generateText({
      model,
      prompt: 'judge',
      output: Output.object({ schema: answer }),
    });
    expect(output).toEqual({ verdict: 'fine' });
    expect(server.requests[0]).toMatchObject({ path: '/v1/chat/completions', body: { model: 'gpt-4.1' } });
  });

  it('a wrong key is refused by the provider (the key really travels)', async () => {
    server = await startFakeAnthropic({ apiKey: 'right', respond: () => ({ text: 'hi' }) });
    const model = createLanguageModel({
      modelId: 'anthropic:claude-sonnet-4-6',
      apiKeys: { anthropic: 'wrong' },
      baseUrls: { anthropic: server.url },
    });
    await expect(generateText({ model, prompt: 'hi', maxRetries: 0 })).rejects.toThrow(/x-api-key/);
  });
});
