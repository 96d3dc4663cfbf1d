// web_search in proxy mode, and a proxy that is not there: the real server over stdio, a real CONNECT proxy and a
// fake search provider on loopback.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userAgent } from '../src/request-headers.js';
import { startConnectProxy, type ConnectProxy } from './connect-proxy.js';
import { goodKey, fakeSearchProviders } from './fake-search-providers.js';
import { startFetchServer, resultText } from './fetch-server-process.js';
import { startLocalServer, type LocalServer } from './local-server.js';

let fake: LocalServer;
let proxy: ConnectProxy;

beforeAll(async () => {
  fake = await startLocalServer('127.0.0.1', fakeSearchProviders);
  // Tunnels to the fake provider (this proxy, unlike IronCurtain's, lets loopback through); refuses everything else.
  proxy = await startConnectProxy((target) =>
    target.authority === `127.0.0.1:${fake.port}`
      ? { action: 'tunnel', host: '127.0.0.1', port: fake.port }
      : { action: 'answer', status: 403, reason: `${target.host} is not a declared domain` },
  );
});

afterAll(async () => {
  await Promise.all([fake?.close(), proxy?.close()]);
});

async function callWith(env: Record<string, string>, tool: string, args: Record<string, unknown>) {
  const server = await startFetchServer(env);
  try {
    const result = await server.callTool(tool, args);
    return { result, text: resultText(result), stderr: server.stderr() };
  } finally {
    await server.close();
  }
}

describe('web_search through the proxy [FETCH-11]', () => {
  it('reaches a provider base URL on loopback through a tunnel, never directly', async () => {
    const before = { targets: proxy.connectTargets.length, requests: fake.requests.length };
    const { result, text } = await callWith(
      { HTTPS_PROXY: proxy.url, BRAVE_API_KEY: goodKey, BRAVE_BASE_URL: fake.origin },
      'web_search',
      { query: 'mcp servers', max_results: 2 },
    );
    expect(result.isError).toBeFalsy();
    expect((JSON.parse(text) as { results: { url: string }[] }).results.map((entry) => entry.url)).toEqual([
      'https://brave.example/1',
      'https://brave.example/2',
    ]);
    expect(proxy.connectTargets.slice(before.targets)).toEqual([`127.0.0.1:${fake.port}`]);
    const sent = fake.requests.slice(before.requests);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.url).toMatch(/^\/res\/v1\/web\/search\?/);
    expect(sent[0]?.headers['user-agent']).toBe(userAgent);
  });

  it('asks the proxy for the default endpoint by name, and reports its refusal without the key [FETCH-9]', async () => {
    const secret = 'tvly-secret-key-0123456789';
    const before = proxy.connectTargets.length;
    const { result, text, stderr } = await callWith(
      { https_proxy: proxy.url, TAVILY_API_KEY: secret },
      'web_search',
      { query: 'anything' },
    );
    expect(result._meta?.['code']).toBe('DESTINATION_REFUSED');
    expect(text).toContain(
      'Refused by the network proxy: api.tavily.com:443: api.tavily.com is not a declared domain',
    );
    expect(proxy.connectTargets.slice(before)).toEqual(['api.tavily.com:443']);
    expect(text).not.toContain(secret);
    expect(stderr).not.toContain(secret);
  });
});

describe('a proxy that cannot be reached [FETCH-13]', () => {
  it('fails the call with UPSTREAM_FAILED naming the proxy and its variable, not a direct connection', async () => {
    const closedPort = await freePort();
    const before = fake.requests.length;
    // 127.0.0.1 is allowed, so the local guard lets it pass: only the missing proxy stops it.
    const { result, text } = await callWith(
      { HTTP_PROXY: `http://127.0.0.1:${closedPort}`, FETCH_ALLOW_ADDRESSES: '127.0.0.1' },
      'http_fetch',
      { url: `${fake.origin}/res/v1/web/search` },
    );
    expect(result._meta?.['code']).toBe('UPSTREAM_FAILED');
    expect(text).toContain(
      `the network proxy at http://127.0.0.1:${closedPort} (HTTP_PROXY) refused the connection`,
    );
    expect(fake.requests.length).toBe(before);
  });
});

// A port nothing listens on: bound once by the system, then released.
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
