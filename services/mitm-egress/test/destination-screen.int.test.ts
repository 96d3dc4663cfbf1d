// Destinations are screened after DNS: loopback, private, link-local and metadata addresses are refused unless
// listed in EGRESS_ALLOW_ADDRESSES (the harness lists 127.0.0.1 for its fakes). The screen runs in the connection's
// own lookup, so the address checked is the address connected to.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@ironcurtain/testing';
import { startEgressHarness, type EgressHarness } from './egress-harness.js';
import { runClient } from './run-client.js';

const fakeDns: Record<string, string> = {
  'lan-model.test': '10.1.2.3',
  'metadata.test': '169.254.169.254',
  'loopback.test': '127.0.0.1',
};

describe('destination screen after DNS [EGRESS-7]', () => {
  let harness: EgressHarness;
  let local: Server;
  let sentinel: string;
  const seenAuthorization: (string | undefined)[] = [];
  beforeAll(async () => {
    local = createServer((request, response) => {
      seenAuthorization.push(request.headers['authorization']);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          model: 'local-model',
          choices: [],
          usage: { prompt_tokens: 3, completion_tokens: 2 },
        }),
      );
    });
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    const port = (local.address() as AddressInfo).port;
    harness = await startEgressHarness({
      env: {
        EGRESS_OPENAI_COMPATIBLE: JSON.stringify([
          { name: 'ollama', baseUrl: `http://127.0.0.1:${port}/v1` },
          { name: 'vllm', baseUrl: `http://loopback.test:${port}/v1`, apiKeyEnv: 'VLLM_KEY' },
          { name: 'otherloop', baseUrl: `http://127.0.0.2:${port}/v1` },
          { name: 'lan', baseUrl: 'http://lan-model.test:8000/v1' },
          { name: 'metadata', baseUrl: 'http://metadata.test/v1' },
        ]),
        VLLM_KEY: 'real-vllm-key',
      },
      lookup: async (hostname) =>
        fakeDns[hostname] === undefined
          ? dnsLookup(hostname, { all: true })
          : [{ address: fakeDns[hostname]!, family: 4 }],
    });
    ({
      sentinels: { ollama: sentinel = '' },
    } = await harness.openSession('sess-screen'));
  });
  afterAll(async () => {
    await harness?.close();
    await new Promise<void>((resolve) => local?.close(() => resolve()));
  });

  const post = async (provider: string, key = sentinel) => {
    const sentinels =
      provider === 'ollama' ? undefined : (await harness.openSession(`sess-${provider}`)).sentinels;
    const run = await runClient('curl', [
      '-sS',
      '-w',
      '\n%{http_code}',
      '-H',
      `authorization: Bearer ${sentinels?.[provider] ?? key}`,
      '-H',
      'content-type: application/json',
      '--data',
      '{"model":"m","messages":[]}',
      `${harness.proxyUrl}/${provider}/v1/chat/completions`,
    ]);
    const lines = run.stdout.split('\n');
    return { status: Number(lines.pop()), body: lines.join('\n') };
  };

  it('reaches an allowed loopback address; a keyless endpoint gets no key, a keyed one its real key', async () => {
    expect((await post('ollama')).status).toBe(200);
    expect((await post('vllm')).status).toBe(200);
    expect(seenAuthorization).toEqual([undefined, 'Bearer real-vllm-key']);
  });

  it.each([
    ['otherloop', '127.0.0.2', 'loopback'],
    ['lan', '10.1.2.3', 'private'],
    ['metadata', '169.254.169.254', 'metadata'],
  ])('refuses %s (%s, %s) with 403', async (provider, address, kind) => {
    const result = await post(provider);
    expect(result.status).toBe(403);
    expect(JSON.parse(result.body).error.message).toContain(address);
    expect(JSON.parse(result.body).error.message).toContain(kind);
    // The refusal is audited by an event on the bus, which may arrive just after the 403.
    await eventually(`the audit event of the refused ${provider} request`, () =>
      harness.requestEvents.some((event) => event.provider === provider && event.decision === 'deny'),
    );
  });
});
