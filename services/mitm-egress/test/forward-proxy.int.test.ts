import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually } from '@ironcurtain/testing';
import { openKeyValue, request } from '@ironcurtain/bus';
import { EgressSessionClose } from '@ironcurtain/proto-schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../src/domain/sentinels.js';
import { egressSessionsBucket } from '../src/proxy/session-registry.js';
import { startEgressHarness, realKeys, type EgressHarness } from './egress-harness.js';
import { curl, runClient } from './run-client.js';

const messageBody = JSON.stringify({
  model: 'claude-test',
  max_tokens: 16,
  messages: [{ role: 'user', content: 'hi' }],
});

describe('forward proxy with curl [EGRESS-1] [EGRESS-2] [EGRESS-3] [EGRESS-8]', () => {
  let harness: EgressHarness;
  let sentinels: Record<string, string>;
  let proxyToken: string;
  beforeAll(async () => {
    harness = await startEgressHarness();
    ({ sentinels, proxyToken } = await harness.openSession('sess-curl'));
  });
  afterAll(async () => harness?.close());

  const anthropicKey = () => sentinels['anthropic'] ?? '';
  const postMessage = (key: string, extra: string[] = [], url = 'https://api.anthropic.com/v1/messages') =>
    curl(harness.proxyUrl, harness.caPath, url, [
      '-H',
      `x-api-key: ${key}`,
      '-H',
      'anthropic-version: 2023-06-01',
      '-H',
      'content-type: application/json',
      '--data',
      messageBody,
      ...extra,
    ]);
  const receivedSince = async (count: number) => harness.anthropic.received.slice(count);

  it.each([
    ['HTTP/1.1', ['--http1.1'], '1.1'],
    ['HTTP/2', ['--http2'], '2'],
  ])('swaps the sentinel for the real key over %s', async (_name, flags, version) => {
    const before = harness.anthropic.received.length;
    const result = await postMessage(anthropicKey(), flags);
    expect(result.run.stderr).toBe('');
    expect(result.status).toBe(200);
    expect(result.httpVersion).toBe(version);
    expect(JSON.parse(result.body)).toMatchObject({
      type: 'message',
      content: [{ text: 'Hello from the fake upstream.' }],
    });
    const seen = await receivedSince(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers['x-api-key']).toBe(realKeys.anthropic);
    expect(JSON.stringify(seen[0]?.headers)).not.toContain(anthropicKey());
  });

  it('swaps an OpenAI sentinel into Authorization: Bearer', async () => {
    const before = harness.openai.received.length;
    const result = await curl(harness.proxyUrl, harness.caPath, 'https://api.openai.com/v1/models', [
      '-H',
      `authorization: Bearer ${sentinels['openai']}`,
    ]);
    expect(result.status).toBe(200);
    expect(harness.openai.received.slice(before)[0]?.headers['authorization']).toBe(
      `Bearer ${realKeys.openai}`,
    );
  });

  it('refuses an unlisted host at CONNECT with 403 and the reason', async () => {
    const result = await curl(harness.proxyUrl, harness.caPath, 'https://example.com/', [
      '-w',
      '\n%{http_connect}',
    ]);
    expect(result.run.stdout.trim().split('\n').pop()).toBe('403');
    expect(result.run.code).not.toBe(0);
    const event = await eventually('the CONNECT refusal event', () =>
      harness.requestEvents.find((candidate) => candidate.host === 'example.com'),
    );
    expect(event).toMatchObject({ method: 'CONNECT', decision: 'deny', status: 403 });
    expect(event.reason).toContain('not an allowed destination');
  });

  it('refuses an unlisted path with 403, without reaching the upstream', async () => {
    const before = harness.anthropic.received.length;
    const result = await postMessage(anthropicKey(), [], 'https://api.anthropic.com/v1/files');
    expect(result.status).toBe(403);
    expect(JSON.parse(result.body).error.message).toContain(
      'POST /v1/files is not an allowed anthropic endpoint',
    );
    expect(harness.anthropic.received.length).toBe(before);
  });

  it.each([
    ['a foreign key', 'sk-ant-api03-agents-own-key', 'not a sentinel key'],
    ['an OpenAI sentinel', 'OPENAI', 'a openai sentinel'],
  ])('refuses %s with 403, without reaching the upstream', async (_name, key, reason) => {
    const before = harness.anthropic.received.length;
    const result = await postMessage(key === 'OPENAI' ? (sentinels['openai'] ?? '') : key);
    expect(result.status).toBe(403);
    expect(JSON.parse(result.body).error.message).toContain(reason);
    expect(harness.anthropic.received.length).toBe(before);
  });

  it('refuses a request with no key, and a Host that is not the CONNECT target', async () => {
    const noKey = await curl(harness.proxyUrl, harness.caPath, 'https://api.anthropic.com/v1/models');
    expect(noKey.status).toBe(403);
    const otherHost = await postMessage(anthropicKey(), ['--http1.1', '-H', 'host: evil.example']);
    expect(otherHost.status).toBe(403);
    expect(JSON.parse(otherHost.body).error.message).toContain('Host header must name api.anthropic.com');
  });

  it('refuses plain-HTTP proxying and websocket upgrades', async () => {
    const plain = await runClient('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--proxy',
      harness.proxyUrl,
      'http://api.anthropic.com/v1/models',
    ]);
    expect(plain.stdout).toBe('403');
    const upgrade = await postMessage(anthropicKey(), [
      '--http1.1',
      '-H',
      'upgrade: websocket',
      '-H',
      'connection: upgrade',
    ]);
    expect(upgrade.status).toBe(403);
  });

  it('binds a tunnel to the session of its proxy credentials', async () => {
    const other = await harness.openSession('sess-other');
    const authenticated = (user: string, password: string, key: string) =>
      postMessage(key, ['--proxy-user', `${user}:${password}`]);
    expect((await authenticated('sess-curl', proxyToken, anthropicKey())).status).toBe(200);
    expect((await authenticated('sess-curl', proxyToken, other.sentinels['anthropic'] ?? '')).status).toBe(
      403,
    );
    const wrong = await runClient('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_connect}',
      '--proxy',
      harness.proxyUrl,
      '--proxy-user',
      'sess-curl:pt-wrong',
      '--cacert',
      harness.caPath,
      'https://api.anthropic.com/v1/models',
    ]);
    expect(wrong.stdout).toBe('407');
  });

  it('serves reverse mode on the unix socket, with the same checks [EGRESS-9]', async () => {
    const before = harness.anthropic.received.length;
    const result = await runClient('curl', [
      '-sS',
      '--unix-socket',
      harness.socketPath,
      '-w',
      '\n%{http_code}',
      '-H',
      `x-api-key: ${anthropicKey()}`,
      '-H',
      'content-type: application/json',
      '--data',
      messageBody,
      'http://egress/anthropic/v1/messages',
    ]);
    expect(result.stdout.split('\n').pop()).toBe('200');
    expect(harness.anthropic.received.slice(before)[0]?.headers['x-api-key']).toBe(realKeys.anthropic);
    const unknown = await runClient('curl', [
      '-sS',
      '--unix-socket',
      harness.socketPath,
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      'http://egress/nope/v1/x',
    ]);
    expect(unknown.stdout).toBe('403');
  });

  it('publishes an audit event for every request, with session, status, bytes and decision', async () => {
    const before = harness.requestEvents.length;
    const result = await postMessage(anthropicKey());
    expect(result.status).toBe(200);
    const event = await eventually('the request event', () =>
      harness.requestEvents.slice(before).find((e) => e.status === 200),
    );
    expect(event).toMatchObject({
      sessionId: 'sess-curl',
      host: 'api.anthropic.com',
      method: 'POST',
      path: '/v1/messages',
      decision: 'allow',
      provider: 'anthropic',
      mode: 'forward',
      bytes: Buffer.byteLength(result.body),
      requestBytes: Buffer.byteLength(messageBody),
    });
  });

  it('keeps real keys and sentinels out of every event', async () => {
    const everything = JSON.stringify([harness.requestEvents, harness.usageEvents]);
    expect(everything).not.toContain(realKeys.anthropic);
    expect(everything).not.toContain(realKeys.openai);
    for (const sentinel of Object.values(sentinels)) expect(everything).not.toContain(sentinel);
  });

  it('keeps sentinels valid across an egress restart (KV holds their hashes only) and revokes them on close [EGRESS-10]', async () => {
    await harness.restartEgress();
    expect((await postMessage(anthropicKey())).status).toBe(200);
    const kv = await openKeyValue(harness.bus, egressSessionsBucket);
    const stored = new TextDecoder().decode((await kv.get('sess-curl'))?.value);
    expect(stored).toContain(hashSecret(anthropicKey()));
    for (const secret of [...Object.values(sentinels), proxyToken]) expect(stored).not.toContain(secret);
    const closed = await request(harness.bus, EgressSessionClose, { sessionId: 'sess-curl' });
    expect(closed.wasOpen).toBe(true);
    expect((await postMessage(anthropicKey())).status).toBe(403);
    const caKey = await readFile(join(harness.home, 'ca', 'ca.key.pem'), 'utf8');
    expect(caKey).toContain('PRIVATE KEY');
  });
});
