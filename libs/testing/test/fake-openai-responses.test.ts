// The fake OpenAI Responses API, driven by the real AI SDK client (`.responses(…)`: text, streaming, function calls,
// errors) and by plain fetch for what the SDK does not send: namespaces, custom tools and a client tool search.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import {
  responsesRequestText,
  startFakeOpenAIResponses,
  type FakeLlmRespond,
  type FakeLlmServer,
} from '@ironcurtain/testing';

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(respond: FakeLlmRespond, apiKey?: string): Promise<FakeLlmServer> {
  server = await startFakeOpenAIResponses({ respond, ...(apiKey === undefined ? {} : { apiKey }) });
  return server;
}
const model = (url: string, apiKey = 'k') => createOpenAI({ apiKey, baseURL: url }).responses('gpt-5.5');
const weather = tool({
  description: 'weather of a city',
  inputSchema: jsonSchema<{ city: string }>({
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  }),
});
const longText = 'The quick brown fox jumps over the lazy dog, twice over.';

describe('fake OpenAI Responses API with the AI SDK', () => {
  it('answers text, and records what the client sent', async () => {
    const fake = await start(() => ({ text: longText }), 'k');
    const result = await generateText({ model: model(fake.url), system: 'be brief', prompt: 'say it' });
    expect(result.text).toBe(longText);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(fake.requests[0]?.path).toBe('/v1/responses');
    expect(responsesRequestText(fake.requests[0]!)).toBe('be brief\nsay it');
  });

  it('streams text as output_text deltas', async () => {
    const fake = await start(() => ({ text: longText }));
    const result = streamText({ model: model(fake.url), prompt: 'say it' });
    const pieces: string[] = [];
    for await (const piece of result.textStream) pieces.push(piece);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(longText);
    expect(fake.requests[0]?.isStreaming).toBe(true);
  });

  it('answers function calls, streamed or not, and reads their outputs back', async () => {
    const fake = await start((request) => {
      const text = responsesRequestText(request);
      if (text.includes('sunny')) return { text: 'It is sunny in Paris.' };
      return { toolCalls: [{ name: 'weather', input: { city: 'Paris' } }] };
    });
    const called = await generateText({ model: model(fake.url), prompt: 'weather?', tools: { weather } });
    expect(called.toolCalls.map((call) => [call.toolName, call.input])).toEqual([
      ['weather', { city: 'Paris' }],
    ]);
    const streamed = streamText({ model: model(fake.url), prompt: 'weather?', tools: { weather } });
    expect((await streamed.toolCalls).map((call) => call.input)).toEqual([{ city: 'Paris' }]);
    const answered = await generateText({
      model: model(fake.url),
      prompt: 'weather?',
      tools: { weather: tool({ ...weather, execute: async () => 'sunny' }) },
      stopWhen: stepCountIs(2),
    });
    expect(answered.text).toBe('It is sunny in Paris.');
  });

  it('sends provider errors with their status, and refuses a wrong key with 401', async () => {
    const fake = await start(
      () => ({ error: { status: 429, message: 'Slow down', type: 'rate_limit' } }),
      'right',
    );
    await expect(
      generateText({ model: model(fake.url, 'wrong'), prompt: 'x', maxRetries: 0 }),
    ).rejects.toMatchObject({ statusCode: 401 });
    await expect(
      generateText({ model: model(fake.url, 'right'), prompt: 'x', maxRetries: 0 }),
    ).rejects.toMatchObject({ statusCode: 429 });
  });
});

/** POSTs a streamed request and returns its events, checking their names and sequence numbers. */
async function streamedEvents(url: string, body: unknown): Promise<Array<Record<string, unknown>>> {
  const response = await fetch(`${url}/responses`, {
    method: 'POST',
    body: JSON.stringify({ model: 'gpt-5.5', stream: true, ...(body as object) }),
  });
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const events = (await response.text())
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const [nameLine = '', dataLine = ''] = block.split('\n');
      const data = JSON.parse(dataLine.slice('data: '.length)) as Record<string, unknown>;
      expect(nameLine).toBe(`event: ${String(data['type'])}`);
      return data;
    });
  expect(events.map((event) => event['sequence_number'])).toEqual(events.map((_, index) => index));
  return events;
}

const doneItems = (events: Array<Record<string, unknown>>) =>
  events.filter((event) => event['type'] === 'response.output_item.done').map((event) => event['item']);

describe('fake OpenAI Responses API on the wire', () => {
  it('refuses a request without model with 400', async () => {
    const fake = await start(() => ({ text: 'hi' }));
    const response = await fetch(`${fake.url}/responses`, {
      method: 'POST',
      body: JSON.stringify({ input: 'x' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', param: null } });
  });

  it('calls a client tool search, then a function of the namespace it loaded', async () => {
    const fake = await start((request) =>
      responsesRequestText(request) === 'find it'
        ? { toolCalls: [{ name: 'tool_search', input: { query: 'files' } }] }
        : { toolCalls: [{ name: 'write_file', input: { path: 'a' } }] },
    );
    const search = await streamedEvents(fake.url, {
      input: 'find it',
      tools: [{ type: 'tool_search', execution: 'client' }],
    });
    expect(doneItems(search)).toEqual([
      expect.objectContaining({
        type: 'tool_search_call',
        execution: 'client',
        arguments: { query: 'files' },
      }),
    ]);
    const namespace = {
      type: 'namespace',
      name: 'mcp__files',
      tools: [{ type: 'function', name: 'write_file' }],
    };
    const loaded = { type: 'tool_search_output', call_id: 'c1', execution: 'client', tools: [namespace] };
    const call = await streamedEvents(fake.url, { input: [loaded] });
    expect(doneItems(call)).toEqual([
      expect.objectContaining({ type: 'function_call', namespace: 'mcp__files', arguments: '{"path":"a"}' }),
    ]);
    expect(call.find((event) => event['type'] === 'response.function_call_arguments.done')).toMatchObject({
      name: 'write_file',
      arguments: '{"path":"a"}',
    });
  });

  it('calls a custom tool offered in an additional_tools item, streaming its input', async () => {
    const fake = await start(() => ({ toolCalls: [{ name: 'exec', input: 'text("hi")' }] }));
    const offered = { type: 'namespace', name: 'functions', tools: [{ type: 'custom', name: 'exec' }] };
    const events = await streamedEvents(fake.url, {
      input: [{ type: 'additional_tools', role: 'developer', tools: [offered] }],
    });
    expect(doneItems(events)).toEqual([
      expect.objectContaining({ type: 'custom_tool_call', namespace: 'functions', input: 'text("hi")' }),
    ]);
    const deltas = events.filter((event) => event['type'] === 'response.custom_tool_call_input.delta');
    expect(deltas.map((event) => event['delta']).join('')).toBe('text("hi")');
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed' } });
  });
});
