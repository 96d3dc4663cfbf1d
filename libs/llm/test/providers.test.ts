// The providers beyond Anthropic and OpenAI: Google (Gemini API) and OpenAI-compatible endpoints (Ollama, or any
// base URL), each driven by real AI SDK calls against fakes that speak the wire protocol.
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { createLanguageModel } from '@ironcurtain/llm';
import {
  geminiRequestText,
  startFakeGemini,
  startFakeOpenAI,
  type FakeLlmServer,
} from '@ironcurtain/testing';

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('google', () => {
  it('talks to the Gemini API at the given base URL with the key in x-goog-api-key', async () => {
    const google = await startFakeGemini({
      apiKey: 'fake-google-key',
      respond: () => ({ text: 'hello from gemini' }),
    });
    server = google;
    const model = createLanguageModel({
      modelId: 'google:gemini-2.5-flash',
      apiKeys: { google: 'fake-google-key' },
      baseUrls: { google: google.url },
    });
    const { text, usage } = await generateText({ model, prompt: 'hi', maxRetries: 0 });
    expect(text).toBe('hello from gemini');
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect(google.requests[0]?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(google.requests[0]?.headers['x-goog-api-key']).toBe('fake-google-key');
  });

  it('streams, and refuses to start without a key, naming the variable', async () => {
    const google = await startFakeGemini({
      apiKey: 'fake-google-key',
      respond: () => ({ text: 'streamed' }),
    });
    server = google;
    const model = createLanguageModel({
      modelId: 'google:gemini-2.5-pro',
      apiKeys: { google: 'fake-google-key' },
      baseUrls: { google: google.url },
    });
    expect(await streamText({ model, prompt: 'hi', maxRetries: 0 }).text).toBe('streamed');
    expect(google.requests[0]?.query).toBe('?alt=sse');
    expect(() => createLanguageModel({ modelId: 'google:gemini-2.5-pro', apiKeys: {} })).toThrow(
      /GOOGLE_GENERATIVE_AI_API_KEY/,
    );
  });

  it('runs a function call and sends its result back with the thought signature, streamed', async () => {
    const google = await startFakeGemini({
      apiKey: 'fake-google-key',
      respond: (request) =>
        geminiRequestText(request).includes('sunny')
          ? { text: 'It is sunny in Paris.' }
          : { toolCalls: [{ name: 'weather', input: { city: 'Paris' } }] },
    });
    server = google;
    const weather = tool({
      description: 'weather of a city',
      inputSchema: jsonSchema<{ city: string }>({
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
      }),
      execute: () => Promise.resolve('sunny'),
    });
    const model = createLanguageModel({
      modelId: 'google:gemini-2.5-flash',
      apiKeys: { google: 'fake-google-key' },
      baseUrls: { google: google.url },
    });
    const result = streamText({ model, prompt: 'weather?', tools: { weather }, stopWhen: stepCountIs(3) });
    expect(await result.text).toBe('It is sunny in Paris.');
    expect((await result.steps)[0]?.toolCalls.map((call) => [call.toolName, call.input])).toEqual([
      ['weather', { city: 'Paris' }],
    ]);
    const followUp = JSON.stringify(google.requests[1]?.body);
    expect(followUp).toContain('"functionResponse"');
    expect(followUp).toContain('"thoughtSignature"');
    expect((await result.totalUsage).outputTokens).toBeGreaterThan(0);
  });
});

describe('ollama and openai-compatible', () => {
  it('ollama needs no key, and sends none', async () => {
    const fake = await startFakeOpenAI({ respond: () => ({ text: 'local answer' }) });
    server = fake;
    const model = createLanguageModel({
      modelId: 'ollama:llama3.1:8b',
      apiKeys: {},
      baseUrls: { ollama: fake.url },
    });
    const { text } = await generateText({ model, prompt: 'hi', maxRetries: 0 });
    expect(text).toBe('local answer');
    expect(fake.requests[0]).toMatchObject({ path: '/v1/chat/completions', body: { model: 'llama3.1:8b' } });
    expect(fake.requests[0]?.headers['authorization']).toBeUndefined();
  });

  it('an openai-compatible endpoint gets its key as a bearer token, and usage when streaming', async () => {
    const fake = await startFakeOpenAI({
      apiKey: 'fake-compatible-key',
      respond: () => ({ text: 'compatible' }),
    });
    server = fake;
    const model = createLanguageModel({
      modelId: 'openai-compatible:qwen2.5-coder',
      apiKeys: { 'openai-compatible': 'fake-compatible-key' },
      baseUrls: { 'openai-compatible': fake.url },
    });
    const result = streamText({ model, prompt: 'hi', maxRetries: 0 });
    expect(await result.text).toBe('compatible');
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
    expect(fake.requests[0]?.body?.['stream_options']).toEqual({ include_usage: true });
  });

  it('openai-compatible needs a base URL, and says which variable to set', () => {
    expect(() => createLanguageModel({ modelId: 'openai-compatible:qwen', apiKeys: {} })).toThrow(
      /OPENAI_COMPATIBLE_BASE_URL/,
    );
  });
});
