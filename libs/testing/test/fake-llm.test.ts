// The fake providers, driven by the real AI SDK clients (streaming and not, text, JSON, tool calls, errors) and by
// plain fetch for the raw wire format.
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, streamText, tool } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fakeRequestText,
  startFakeAnthropic,
  startFakeOpenAI,
  type FakeLlmServer,
} from '@ironcurtain/testing';

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const longText = 'The quick brown fox jumps over the lazy dog, twice over.';
const weather = tool({
  description: 'weather of a city',
  inputSchema: jsonSchema<{ city: string }>({
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  }),
});

const providers = [
  {
    name: 'anthropic',
    start: startFakeAnthropic,
    model: (url: string, apiKey = 'k') => createAnthropic({ apiKey, baseURL: url })('claude-sonnet-4-6'),
  },
  {
    name: 'openai',
    start: startFakeOpenAI,
    model: (url: string, apiKey = 'k') => createOpenAI({ apiKey, baseURL: url }).chat('gpt-4.1'),
  },
] as const;

describe.each(providers)('fake $name', ({ start, model }) => {
  it('answers text, and records what the client sent', async () => {
    server = await start({ apiKey: 'k', respond: () => ({ text: longText }) });
    const result = await generateText({ model: model(server.url), system: 'be brief', prompt: 'say it' });
    expect(result.text).toBe(longText);
    expect(result.finishReason).toBe('stop');
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(server.requests).toHaveLength(1);
    expect(fakeRequestText(server.requests[0]!)).toBe('be brief\nsay it');
  });

  it('streams text as server-sent events', async () => {
    server = await start({ respond: () => ({ text: longText }) });
    const result = streamText({ model: model(server.url), prompt: 'say it' });
    const pieces: string[] = [];
    for await (const piece of result.textStream) pieces.push(piece);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(longText);
    expect(await result.finishReason).toBe('stop');
    expect(server.requests[0]?.isStreaming).toBe(true);
  });

  it('answers tool calls, streamed or not', async () => {
    server = await start({ respond: () => ({ toolCalls: [{ name: 'weather', input: { city: 'Paris' } }] }) });
    const result = await generateText({ model: model(server.url), prompt: 'weather?', tools: { weather } });
    expect(result.toolCalls.map((call) => [call.toolName, call.input])).toEqual([
      ['weather', { city: 'Paris' }],
    ]);
    expect(result.finishReason).toBe('tool-calls');
    const streamed = streamText({ model: model(server.url), prompt: 'weather?', tools: { weather } });
    expect((await streamed.toolCalls).map((call) => call.input)).toEqual([{ city: 'Paris' }]);
  });

  it('sends provider errors with their status, and refuses a wrong key with 401', async () => {
    server = await start({
      apiKey: 'right',
      respond: () => ({ error: { status: 529, message: 'Overloaded' } }),
    });
    await expect(
      generateText({ model: model(server.url, 'wrong'), prompt: 'x', maxRetries: 0 }),
    ).rejects.toMatchObject({ statusCode: 401 });
    await expect(
      generateText({ model: model(server.url, 'right'), prompt: 'x', maxRetries: 0 }),
    ).rejects.toMatchObject({ statusCode: 529 });
  });
});

describe('wire details', () => {
  it('anthropic: refuses a request without anthropic-version or max_tokens, as the real API does', async () => {
    server = await startFakeAnthropic({ respond: () => ({ text: 'hi' }) });
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${server?.url}/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
    const noVersion = await post({}, { model: 'm', max_tokens: 5, messages: [] });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const noMaxTokens = await post({ 'anthropic-version': '2023-06-01' }, { model: 'm', messages: [] });
    expect(await noMaxTokens.json()).toMatchObject({ error: { message: 'max_tokens: Field required' } });
    const ok = await post({ 'anthropic-version': '2023-06-01' }, { model: 'm', max_tokens: 5, messages: [] });
    expect(await ok.json()).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: 'hi' }],
    });
  });

  it('openai: streams chunks ending in [DONE], with a usage chunk when asked', async () => {
    server = await startFakeOpenAI({ respond: () => ({ text: 'hello there' }) });
    const response = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'm',
        messages: [],
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = (await response.text()).split('\n\n').filter((line) => line !== '');
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((line) => JSON.parse(line.slice('data: '.length)));
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: expect.any(Number) } });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('hello there');
  });

  it('raw replies reach the client unchanged, so broken wires can be tested', async () => {
    server = await startFakeOpenAI({ respond: () => ({ raw: { status: 200, body: '{"choices": [' } }) });
    const openai = createOpenAI({ apiKey: 'k', baseURL: server.url }).chat('gpt-4.1');
    await expect(generateText({ model: openai, prompt: 'x', maxRetries: 0 })).rejects.toThrow();
  });
});
