// MCPGW_SERVER_RESOLVE: names the servers' network filters answer without DNS (tests, air-gapped mirrors). Checked
// through the config loader and through a real network filter on a unix socket, talking to a real HTTP server on a
// loopback address: the override routes the name, and the address screen still applies to what it answers.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { lookupWithOverrides, parseHostOverrides } from '../src/domain/servers/host-overrides.js';
import {
  createServerNetworkFilter,
  type ServerNetworkFilter,
} from '../src/domain/servers/server-network-filter.js';

describe('MCPGW_SERVER_RESOLVE in the configuration', () => {
  it('is empty when unset, and normalizes names and wildcards', () => {
    expect(loadConfig({}).MCPGW_SERVER_RESOLVE).toEqual({});
    const config = loadConfig({
      MCPGW_SERVER_RESOLVE:
        '{"Docs.Python.org.":"127.0.0.8","*.Attacker.example":"127.0.0.9","v6.test":"::1"}',
    });
    expect(config.MCPGW_SERVER_RESOLVE).toEqual({
      'docs.python.org': '127.0.0.8',
      '*.attacker.example': '127.0.0.9',
      'v6.test': '::1',
    });
  });

  it('refuses what is not a host-to-address object, naming the variable and each bad entry', () => {
    expect(() => loadConfig({ MCPGW_SERVER_RESOLVE: '["docs.python.org"]' })).toThrow(
      /MCPGW_SERVER_RESOLVE .*must be a JSON object/,
    );
    const problems = parseHostOverrides(
      '{"a.test:80":"127.0.0.1","127.0.0.1":"127.0.0.2","b.test":"b.example","c.test":"169.254.169.254","d.test":["127.0.0.1"]}',
    ).problems;
    expect(problems).toEqual([
      expect.stringMatching(/"a\.test:80" is not a host name/),
      expect.stringMatching(/"127\.0\.0\.1" is not a host name/),
      expect.stringMatching(/"b\.test": "b\.example" is not an IP address/),
      expect.stringMatching(/"c\.test": 169\.254\.169\.254 is a cloud metadata endpoint/),
      expect.stringMatching(/"d\.test": .* is not an IP address/),
    ]);
    expect(() => loadConfig({ MCPGW_SERVER_RESOLVE: '{"c.test":"169.254.169.254"}' })).toThrow(
      /MCPGW_SERVER_RESOLVE .*metadata/,
    );
  });

  it('answers exact names first, then the longest wildcard, and asks the fallback for every other name', async () => {
    const asked: string[] = [];
    const lookup = lookupWithOverrides(
      { 'docs.test': '127.0.0.8', '*.test': '127.0.0.20', '*.deep.test': '127.0.0.21' },
      async (hostname) => {
        asked.push(hostname);
        return [{ address: '192.0.2.1', family: 4 }];
      },
    );
    expect(await lookup('docs.test')).toEqual([{ address: '127.0.0.8', family: 4 }]);
    expect(await lookup('a.test')).toEqual([{ address: '127.0.0.20', family: 4 }]);
    expect(await lookup('x.deep.test')).toEqual([{ address: '127.0.0.21', family: 4 }]);
    // A wildcard covers the names below it, not the name itself.
    expect(await lookup('deep.test')).toEqual([{ address: '127.0.0.20', family: 4 }]);
    expect(await lookup('test')).toEqual([{ address: '192.0.2.1', family: 4 }]);
    expect(await lookup('nottest')).toEqual([{ address: '192.0.2.1', family: 4 }]);
    expect(asked).toEqual(['test', 'nottest']);
  });
});

describe('a server network filter with MCPGW_SERVER_RESOLVE', () => {
  const address = '127.0.0.5';
  let site: Server;
  let port = 0;
  let socketDirectory: string;
  const filters: ServerNetworkFilter[] = [];

  beforeAll(async () => {
    site = createServer((incoming, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(`served ${incoming.headers.host ?? ''} ${incoming.url ?? ''}`);
    });
    await new Promise<void>((resolve) => site.listen(0, address, resolve));
    port = (site.address() as { port: number }).port;
    socketDirectory = await mkdtemp(join(tmpdir(), 'mcpgw-resolve-'));
  });
  afterAll(async () => {
    for (const filter of filters) await filter.close();
    await new Promise((resolve) => site?.close(resolve));
    await rm(socketDirectory, { recursive: true, force: true });
  });

  function filterWith(allowedAddresses: string[]): ServerNetworkFilter {
    const filter = createServerNetworkFilter(
      {
        socketDirectory,
        allowedAddresses,
        resolvedHosts: { 'docs.example.test': address },
        onDecision: () => undefined,
      },
      { serverName: 'fetch', sessionId: 'resolve-test', allowedDomains: ['*'] },
    );
    filters.push(filter);
    return filter;
  }

  async function get(filter: ServerNetworkFilter, url: string): Promise<{ status: number; body: string }> {
    const socketPath = await filter.socketPath();
    return new Promise((resolve, reject) => {
      const outgoing = request(
        { socketPath, path: url, headers: { host: new URL(url).host } },
        (incoming) => {
          let body = '';
          incoming.on('data', (chunk: Buffer) => (body += chunk.toString()));
          incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  it('reaches the listed address by name, and the name alone (no DNS has it)', async () => {
    const reply = await get(filterWith([address]), `http://docs.example.test:${port}/library/json.html`);
    expect(reply).toEqual({ status: 200, body: `served docs.example.test:${port} /library/json.html` });
  });

  it('still screens the answer: a loopback target not in MCPGW_SERVER_ALLOW_ADDRESSES is refused', async () => {
    const reply = await get(filterWith([]), `http://docs.example.test:${port}/`);
    expect(reply.status).toBe(403);
    expect(reply.body).toMatch(/docs\.example\.test resolves to 127\.0\.0\.5, which is/);
  });
});
