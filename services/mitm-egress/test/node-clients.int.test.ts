// Node's own clients through the proxy: fetch in a child process that trusts our CA through NODE_EXTRA_CA_CERTS and
// finds the proxy through HTTPS_PROXY (NODE_USE_ENV_PROXY=1), and a CONNECT over the unix socket.
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realKeys, startEgressHarness, type EgressHarness } from './egress-harness.js';
import { runClient } from './run-client.js';

const fetchScript = `
const response = await fetch(process.argv[1], {
  method: 'POST',
  headers: { 'x-api-key': process.env.TEST_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'claude-test', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
});
console.log(JSON.stringify({ status: response.status, body: await response.json() }));
`;

describe('Node clients through the proxy [EGRESS-1] [EGRESS-3]', () => {
  let harness: EgressHarness;
  let sentinels: Record<string, string>;
  beforeAll(async () => {
    harness = await startEgressHarness();
    ({ sentinels } = await harness.openSession('sess-node'));
  });
  afterAll(async () => harness?.close());

  const runFetch = (url: string, key: string) =>
    runClient(process.execPath, ['--input-type=module', '-e', fetchScript, url], {
      env: {
        HTTPS_PROXY: harness.proxyUrl,
        NODE_USE_ENV_PROXY: '1',
        NODE_EXTRA_CA_CERTS: harness.caPath,
        TEST_KEY: key,
      },
    }).then((run) => ({
      run,
      result: JSON.parse(run.stdout || '{}') as { status?: number; body?: { error?: { message: string } } },
    }));

  it('fetch completes with the sentinel; the upstream sees the real key', async () => {
    const before = harness.anthropic.received.length;
    const { run, result } = await runFetch(
      'https://api.anthropic.com/v1/messages',
      sentinels['anthropic'] ?? '',
    );
    expect(run.stderr).toBe('');
    expect(result).toMatchObject({ status: 200, body: { type: 'message' } });
    expect(harness.anthropic.received.slice(before).map((received) => received.headers['x-api-key'])).toEqual(
      [realKeys.anthropic],
    );
  });

  it('fetch gets 403 for a foreign key and for an unlisted path', async () => {
    const foreign = await runFetch('https://api.anthropic.com/v1/messages', 'sk-ant-api03-own');
    expect(foreign.result.status).toBe(403);
    const unlisted = await runFetch(
      'https://api.anthropic.com/v1/messages/batches',
      sentinels['anthropic'] ?? '',
    );
    expect(unlisted.result.status).toBe(403);
  });

  it('fetch fails for an unlisted host (the CONNECT is refused)', async () => {
    const { run } = await runFetch('https://example.com/v1/messages', sentinels['anthropic'] ?? '');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/fetch failed|403/);
  });

  it('tunnels over the unix socket as over TCP', async () => {
    const ca = await readFile(harness.caPath, 'utf8');
    const socket = await new Promise<Socket>((resolve, reject) => {
      const connectRequest = httpRequest({
        socketPath: harness.socketPath,
        method: 'CONNECT',
        path: 'api.anthropic.com:443',
      });
      connectRequest.on('connect', (response, tunnel) =>
        response.statusCode === 200 ? resolve(tunnel) : reject(new Error(`CONNECT ${response.statusCode}`)),
      );
      connectRequest.on('error', reject);
      connectRequest.end();
    });
    const tls = tlsConnect({ socket, servername: 'api.anthropic.com', ca });
    await new Promise<void>((resolve, reject) => tls.once('secureConnect', resolve).once('error', reject));
    tls.write(
      `GET /v1/models HTTP/1.1\r\nhost: api.anthropic.com\r\nx-api-key: ${sentinels['anthropic']}\r\nconnection: close\r\n\r\n`,
    );
    let text = '';
    for await (const chunk of tls) text += (chunk as Buffer).toString();
    expect(text.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
  });
});
