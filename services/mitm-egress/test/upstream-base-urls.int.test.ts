// A built-in provider sent to a configured base URL (a gateway), and an OpenAI-compatible endpoint under a base path,
// through the real egress in reverse mode: the allowlist applies to the path the agent sent, the upstream gets the
// mapped path and the real key, never the sentinel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realKeys, startEgressHarness, type EgressHarness } from './egress-harness.js';

const routerKey = 'sk-or-real-router-key-0003';

describe('upstream base URLs [EGRESS-2] [EGRESS-3] [EGRESS-9]', () => {
  let harness: EgressHarness;
  let sentinels: Record<string, string>;
  beforeAll(async () => {
    harness = await startEgressHarness({
      extraHosts: ['llm-gateway.test', 'router.test'],
      env: {
        EGRESS_ANTHROPIC_BASE_URL: 'https://llm-gateway.test/anthropic/v1',
        EGRESS_OPENAI_COMPATIBLE: JSON.stringify([
          { name: 'router', baseUrl: 'https://router.test/api/v1', apiKeyEnv: 'ROUTER_KEY' },
        ]),
        ROUTER_KEY: routerKey,
      },
    });
    ({ sentinels } = await harness.openSession('sess-base-url'));
  });
  afterAll(async () => harness?.close());

  const post = (path: string, headers: Record<string, string>) =>
    fetch(`${harness.proxyUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('sends an allowed Anthropic request to the gateway path with the real key; others are refused first', async () => {
    const gateway = harness.extraHosts.get('llm-gateway.test')!;
    const sentinel = sentinels['anthropic'] ?? '';
    await post('/anthropic/v1/messages', { 'x-api-key': sentinel, 'anthropic-version': '2023-06-01' });
    expect(gateway.received.map((request) => request.url)).toEqual(['/anthropic/v1/messages']);
    expect(gateway.received[0]?.headers['x-api-key']).toBe(realKeys.anthropic);
    expect(gateway.received[0]?.headers['host']).toBe('llm-gateway.test');
    expect(JSON.stringify(gateway.received[0]?.headers)).not.toContain(sentinel);
    expect(harness.anthropic.received).toHaveLength(0);

    // The gateway's own path is not an Anthropic endpoint: the allowlist is checked on what the agent sent.
    const refused = await post('/anthropic/anthropic/v1/messages', { 'x-api-key': sentinel });
    expect(refused.status).toBe(403);
    const admin = await post('/anthropic/v1/admin', { 'x-api-key': sentinel });
    expect(admin.status).toBe(403);
    expect(gateway.received).toHaveLength(1);
  });

  it('takes /<name>/v1/… for an OpenAI-compatible base path and its real path, with the real key', async () => {
    const router = harness.extraHosts.get('router.test')!;
    const sentinel = sentinels['router'] ?? '';
    expect(sentinel).not.toBe('');
    const viaAlias = await post('/router/v1/chat/completions', { authorization: `Bearer ${sentinel}` });
    const viaPath = await post('/router/api/v1/chat/completions', { authorization: `Bearer ${sentinel}` });
    expect([viaAlias.status, viaPath.status]).not.toContain(403);
    expect(router.received.map((request) => request.url)).toEqual([
      '/api/v1/chat/completions',
      '/api/v1/chat/completions',
    ]);
    for (const request of router.received) {
      expect(request.headers['authorization']).toBe(`Bearer ${routerKey}`);
      expect(JSON.stringify(request.headers)).not.toContain(sentinel);
    }
    const outside = await post('/router/v1/../admin', { authorization: `Bearer ${sentinel}` });
    expect(outside.status).toBe(403);
    expect(router.received).toHaveLength(2);
  });
});
