// Streamed responses pass through chunk by chunk: each SSE event reaches the client when the upstream sends it, not
// when the response ends. The fake upstream waits 150 ms between events.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEgressHarness, type EgressHarness } from './egress-harness.js';
import {
  eventArrivals,
  openTunnel,
  postOverHttp1,
  postOverHttp2,
  type TimedResponse,
} from './tunnel-client.js';

const gapMs = 150;
const body = JSON.stringify({
  model: 'claude-test',
  max_tokens: 64,
  stream: true,
  messages: [{ role: 'user', content: 'hi' }],
});

describe('streaming passthrough [EGRESS-5]', () => {
  let harness: EgressHarness;
  let headers: Record<string, string>;
  let ca: string;
  beforeAll(async () => {
    harness = await startEgressHarness();
    const { sentinels } = await harness.openSession('sess-stream');
    headers = {
      'x-api-key': sentinels['anthropic'] ?? '',
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
    };
    ca = await readFile(harness.caPath, 'utf8');
    harness.anthropic.script.reply = 'one two three four';
    harness.anthropic.script.chunkDelayMs = gapMs;
  });
  afterAll(async () => harness?.close());

  const expectSpreadOut = (response: TimedResponse): void => {
    expect(response.status).toBe(200);
    const arrivals = eventArrivals(response);
    // message_start, block start, 4 deltas, block stop, message_delta, message_stop: 9 events 150 ms apart.
    expect(arrivals).toHaveLength(9);
    const gaps = arrivals.slice(1).map((at, index) => at - (arrivals[index] ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThan(gapMs * 0.6);
    const lastAt = arrivals.at(-1) ?? 0;
    expect(lastAt - (arrivals[0] ?? 0)).toBeGreaterThan(gapMs * 7);
  };

  it('over HTTP/2 in a CONNECT tunnel', async () => {
    const tls = await openTunnel(harness.proxyUrl, 'api.anthropic.com', ca, ['h2']);
    expect(tls.alpnProtocol).toBe('h2');
    expectSpreadOut(await postOverHttp2(tls, 'api.anthropic.com', '/v1/messages', headers, body));
  });

  it('over HTTP/1.1 in a CONNECT tunnel', async () => {
    const tls = await openTunnel(harness.proxyUrl, 'api.anthropic.com', ca, ['http/1.1']);
    expect(tls.alpnProtocol).toBe('http/1.1');
    expectSpreadOut(await postOverHttp1('http://api.anthropic.com/v1/messages', headers, body, tls));
  });

  it('in reverse mode', async () => {
    expectSpreadOut(await postOverHttp1(`${harness.proxyUrl}/anthropic/v1/messages`, headers, body));
  });
});
