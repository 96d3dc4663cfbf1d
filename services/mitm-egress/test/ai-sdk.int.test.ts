// The AI SDK providers in reverse mode, as the session-orchestrator uses them: base URL = the egress, key = the
// session's sentinel. Usage events must match what the upstream reported, streamed and not.
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { eventually } from '@ironcurtain/testing';
import { generateText, streamText, type LanguageModel } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeUsage } from './fake-providers.js';
import { realKeys, startEgressHarness, type EgressHarness } from './egress-harness.js';

describe('AI SDK providers through reverse mode [EGRESS-3] [EGRESS-6] [EGRESS-9]', () => {
  let harness: EgressHarness;
  let sentinels: Record<string, string>;
  beforeAll(async () => {
    harness = await startEgressHarness();
    ({ sentinels } = await harness.openSession('sess-sdk'));
  });
  afterAll(async () => harness?.close());

  const models = (): Record<
    string,
    { model: LanguageModel; provider: 'anthropic' | 'openai'; cacheWrite?: number }
  > => {
    const anthropic = createAnthropic({
      baseURL: `${harness.proxyUrl}/anthropic/v1`,
      apiKey: sentinels['anthropic'] ?? '',
    });
    const openai = createOpenAI({
      baseURL: `${harness.proxyUrl}/openai/v1`,
      apiKey: sentinels['openai'] ?? '',
    });
    return {
      'anthropic messages': {
        model: anthropic('claude-test'),
        provider: 'anthropic',
        cacheWrite: fakeUsage.cacheWrite,
      },
      'openai responses': { model: openai('gpt-test'), provider: 'openai' },
      'openai chat completions': { model: openai.chat('gpt-test'), provider: 'openai' },
    };
  };
  const usageAfter = async (count: number) =>
    eventually('a usage event', () =>
      harness.usageEvents.slice(count).find((event) => event.sessionId === 'sess-sdk'),
    );

  it.each(['anthropic messages', 'openai responses', 'openai chat completions'])(
    'generateText and streamText with %s; usage events match the upstream',
    async (name) => {
      const { model, provider, cacheWrite } = models()[name]!;
      const upstream = provider === 'anthropic' ? harness.anthropic : harness.openai;
      const receivedBefore = upstream.received.length;
      const expected = {
        sessionId: 'sess-sdk',
        provider,
        inputTokens: fakeUsage.input,
        outputTokens: fakeUsage.output,
        cacheReadTokens: fakeUsage.cacheRead,
        ...(cacheWrite === undefined ? {} : { cacheWriteTokens: cacheWrite }),
      };

      let before = harness.usageEvents.length;
      const generated = await generateText({ model, prompt: 'hi', maxRetries: 0, maxOutputTokens: 64 });
      expect(generated.text).toBe('Hello from the fake upstream.');
      expect(await usageAfter(before)).toEqual({ ...expected, model: expect.any(String) });

      before = harness.usageEvents.length;
      const streamed = streamText({ model, prompt: 'hi', maxRetries: 0, maxOutputTokens: 64 });
      expect(await streamed.text).toBe('Hello from the fake upstream.');
      expect(await usageAfter(before)).toEqual({ ...expected, model: expect.any(String) });

      const seen = upstream.received.slice(receivedBefore);
      expect(seen).toHaveLength(2);
      const expectedKey = provider === 'anthropic' ? realKeys.anthropic : `Bearer ${realKeys.openai}`;
      for (const received of seen) {
        expect(received.headers[provider === 'anthropic' ? 'x-api-key' : 'authorization']).toBe(expectedKey);
        expect(JSON.stringify(received.headers)).not.toContain(sentinels[provider]);
      }
    },
  );

  it('reports usage with the upstream model name', async () => {
    const before = harness.usageEvents.length;
    await generateText({
      model: models()['anthropic messages']!.model,
      prompt: 'hi',
      maxRetries: 0,
      maxOutputTokens: 64,
    });
    expect((await usageAfter(before)).model).toBe('claude-test');
  });

  it('refuses the SDK with a foreign key (403 surfaces as an API error)', async () => {
    const anthropic = createAnthropic({
      baseURL: `${harness.proxyUrl}/anthropic/v1`,
      apiKey: 'sk-ant-api03-own',
    });
    await expect(
      generateText({ model: anthropic('claude-test'), prompt: 'hi', maxRetries: 0, maxOutputTokens: 64 }),
    ).rejects.toThrow(/not a sentinel key/);
  });
});
