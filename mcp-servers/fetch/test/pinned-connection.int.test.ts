import { afterEach, describe, expect, it } from 'vitest';
import { createAddressPolicy } from '@ironcurtain/address-screen';
import { fetchPage, type FetchPageArguments } from '../src/fetch-page.js';
import { pinnedLookup } from '../src/outgoing-request.js';
import type { HostLookup, ResolvedAddress } from '../src/ssrf-guard.js';
import { startLocalServer, type Handler, type LocalServer } from './local-server.js';
import { redirect } from './fixture-pages.js';
import { startTlsServer as startTlsPageServer, type TlsServer } from './tls-server.js';

// DNS rebinding: the first answer passes the guard, every later one points somewhere the guard would refuse.
function rebindingLookup(first: string, later: string): { lookup: HostLookup; calls: () => number } {
  let calls = 0;
  const lookup = async (): Promise<readonly ResolvedAddress[]> => {
    calls += 1;
    return [{ address: calls === 1 ? first : later, family: 4 }];
  };
  return { lookup, calls: () => calls };
}

const fetchArguments = (url: string): FetchPageArguments => ({
  url,
  max_length: 5000,
  format: 'html',
  timeout: 10,
});
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serverPair(
  allowedHandler: Handler = (_request, response) => response.end('pinned server'),
): Promise<{ allowed: LocalServer; refused: LocalServer }> {
  // Same port on two loopback addresses, so a connection that re-resolved would land on the refused one.
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const allowed = await startLocalServer('127.0.0.2', allowedHandler);
    try {
      const refused = await startLocalServer(
        '127.0.0.1',
        (_request, response) => response.end('rebound server'),
        allowed.port,
      );
      servers.push(allowed, refused);
      return { allowed, refused };
    } catch {
      await allowed.close();
    }
  }
  throw new Error('no port free on both 127.0.0.2 and 127.0.0.1');
}

describe('pinned connections [FETCH-4]', () => {
  it('connects to the address the guard checked, never resolving again (DNS rebinding)', async () => {
    const { allowed, refused } = await serverPair();
    const { lookup, calls } = rebindingLookup('127.0.0.2', '127.0.0.1');
    const page = await fetchPage(fetchArguments(`http://rebind.test:${allowed.port}/secret`), {
      lookup,
      policy: createAddressPolicy(['127.0.0.2']),
    });
    expect(page.text).toBe('pinned server');
    expect(calls()).toBe(1);
    expect(allowed.requests).toHaveLength(1);
    expect(allowed.requests[0]?.headers.host).toBe(`rebind.test:${allowed.port}`);
    expect(refused.requests).toHaveLength(0);
  });

  it('pinnedLookup answers the pinned address for any name, in both callback forms', () => {
    const lookup = pinnedLookup('127.0.0.2', 4);
    const single: unknown[] = [];
    lookup('other.test', {}, (...args: unknown[]) => single.push(...args));
    expect(single).toEqual([null, '127.0.0.2', 4]);
    const all: unknown[] = [];
    lookup('other.test', { all: true }, (...args: unknown[]) => all.push(...args));
    expect(all).toEqual([null, [{ address: '127.0.0.2', family: 4 }]]);
  });
});

describe('a redirect within the origin is screened again [FETCH-4] [FETCH-5]', () => {
  it('refuses the hop when the name now resolves to a refused address, and never connects there', async () => {
    const { allowed, refused } = await serverPair((_request, response) => redirect(response, '/next'));
    const { lookup, calls } = rebindingLookup('127.0.0.2', '127.0.0.1');
    const attempt = fetchPage(fetchArguments(`http://rebind.test:${allowed.port}/start`), {
      lookup,
      policy: createAddressPolicy(['127.0.0.2']),
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'DESTINATION_REFUSED',
      message: expect.stringMatching(
        new RegExp(`^Redirect to http://rebind\\.test:${allowed.port}/next refused\\. Refused: `),
      ),
    });
    expect(calls()).toBe(2);
    expect(allowed.requests.map((request) => request.url)).toEqual(['/start']);
    expect(refused.requests).toHaveLength(0);
  });
});

describe('TLS on a pinned connection [FETCH-4]', () => {
  async function startTlsServer(certificateName: string): Promise<TlsServer> {
    const server = await startTlsPageServer(certificateName);
    servers.push(server);
    return server;
  }

  it('sends the host name as SNI and Host and checks the certificate against it, while connecting to the pinned address', async () => {
    const tls = await startTlsServer('pinned.test');
    const page = await fetchPage(fetchArguments(`https://pinned.test:${tls.port}/`), {
      lookup: async () => [{ address: '127.0.0.2', family: 4 }],
      policy: createAddressPolicy(['127.0.0.2']),
      tls: { ca: tls.ca },
    });
    expect(page.text).toBe('over tls');
    expect(tls.sniNames).toEqual(['pinned.test']);
    expect(tls.hosts).toEqual([`pinned.test:${tls.port}`]);
  });

  it('refuses a certificate that does not name the host, even on an allowed address', async () => {
    const tls = await startTlsServer('other.test');
    const attempt = fetchPage(fetchArguments(`https://pinned.test:${tls.port}/`), {
      lookup: async () => [{ address: '127.0.0.2', family: 4 }],
      policy: createAddressPolicy(['127.0.0.2']),
      tls: { ca: tls.ca },
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'UPSTREAM_FAILED',
      message: expect.stringContaining('TLS certificate of pinned.test'),
    });
  });
});
