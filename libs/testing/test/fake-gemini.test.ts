// The Gemini fake's raw wire format, by plain fetch (libs/llm's providers test drives it with the real
// @ai-sdk/google client), and a fake under a gateway's base path.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
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

const generateContent = (url: string, model = 'gemini-2.5-flash') => `${url}/models/${model}:generateContent`;
const contents = [{ role: 'user', parts: [{ text: 'hi' }] }];

describe('fake gemini', () => {
  it('refuses a missing key with 403 and a wrong one with 400, in Google error bodies', async () => {
    server = await startFakeGemini({ apiKey: 'right', respond: () => ({ text: 'x' }) });
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(generateContent(server?.url ?? ''), { method: 'POST', headers, body: JSON.stringify(body) });
    const missing = await post({}, { contents });
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });
    const wrong = await post({ 'x-goog-api-key': 'wrong' }, { contents });
    expect(await wrong.json()).toMatchObject({
      error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining('API key not valid') },
    });
    const noContents = await post({ 'x-goog-api-key': 'right' }, {});
    expect(noContents.status).toBe(400);
    const ok = await post({ 'x-goog-api-key': 'right' }, { contents });
    expect(await ok.json()).toMatchObject({
      candidates: [{ content: { role: 'model', parts: [{ text: 'x' }] }, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: expect.any(Number), totalTokenCount: expect.any(Number) },
      modelVersion: 'gemini-2.5-flash',
      responseId: expect.any(String),
    });
    expect(server.requests.map((request) => request.isStreaming)).toEqual([false, false, false, false]);
  });

  it('streams alt=sse chunks: text in pieces, usage on each, the finish reason and output count on the last', async () => {
    server = await startFakeGemini({
      respond: () => ({ text: 'The quick brown fox jumps over the lazy dog.' }),
    });
    const url = `${server.url}/models/gemini-2.5-pro:streamGenerateContent?alt=sse`;
    const response = await fetch(url, { method: 'POST', body: JSON.stringify({ contents }) });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const chunks = (await response.text())
      .split('\r\n\r\n')
      .filter((event) => event !== '')
      .map((event) => JSON.parse(event.slice('data: '.length)));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((chunk) => chunk.candidates[0].content.parts[0].text).join('')).toBe(
      'The quick brown fox jumps over the lazy dog.',
    );
    expect(chunks.every((chunk) => chunk.usageMetadata.promptTokenCount > 0)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({
      candidates: [{ finishReason: 'STOP' }],
      usageMetadata: { candidatesTokenCount: expect.any(Number) },
      modelVersion: 'gemini-2.5-pro',
    });
    expect(server.requests[0]).toMatchObject({ query: '?alt=sse', isStreaming: true });
  });

  it('sends function calls whole, the first with a thought signature, and reads function responses', async () => {
    server = await startFakeGemini({
      respond: () => ({ toolCalls: [{ name: 'weather', input: { city: 'Paris' } }] }),
    });
    const body = {
      systemInstruction: { parts: [{ text: 'be brief' }] },
      contents: [
        ...contents,
        { role: 'model', parts: [{ functionCall: { name: 'weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { content: 'sunny' } } }] },
      ],
    };
    const response = await fetch(generateContent(server.url), { method: 'POST', body: JSON.stringify(body) });
    expect(await response.json()).toMatchObject({
      candidates: [
        {
          content: {
            parts: [
              {
                functionCall: { name: 'weather', args: { city: 'Paris' } },
                thoughtSignature: expect.any(String),
              },
            ],
          },
          finishReason: 'STOP',
        },
      ],
    });
    const text = geminiRequestText(server.requests[0]!);
    expect(text.startsWith('be brief\nhi\n')).toBe(true);
    expect(text).toContain('sunny');
  });

  it('serves only the generateContent methods', async () => {
    server = await startFakeGemini({ respond: () => ({ text: 'x' }) });
    const models = await fetch(`${server.url}/models`, { method: 'GET' });
    expect(models.status).toBe(404);
    expect(await models.json()).toMatchObject({ error: { code: 404 } });
  });
});

describe('base path', () => {
  it('serves an OpenAI-compatible API under a gateway path such as /api/v1, and nothing under /v1', async () => {
    server = await startFakeOpenAI({ basePath: '/api/v1', respond: () => ({ text: 'routed' }) });
    expect(new URL(server.url).pathname).toBe('/api/v1');
    const model = createOpenAI({ apiKey: 'k', baseURL: server.url }).chat('m');
    expect((await generateText({ model, prompt: 'x', maxRetries: 0 })).text).toBe('routed');
    const wrongPath = await fetch(new URL('/v1/chat/completions', server.url), {
      method: 'POST',
      body: '{}',
    });
    expect(wrongPath.status).toBe(404);
  });
});
