// http_fetch in proxy mode: the real server over stdio with HTTPS_PROXY pointing at a real CONNECT proxy on loopback.
// Every host name ends in .invalid, which no resolver answers (RFC 6761): a page that arrives was found by the proxy,
// never by the fetch server's own DNS.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startConnectProxy,
  type ConnectProxy,
  type ConnectTarget,
  type ProxyDecision,
} from './connect-proxy.js';
import { startFetchServer, resultText, type FetchServerProcess } from './fetch-server-process.js';
import { pageRoutes, redirect } from './fixture-pages.js';
import { startLocalServer, type LocalServer, type ReceivedRequest } from './local-server.js';
import { startTlsServer, type TlsServer } from './tls-server.js';

let pages: LocalServer;
let otherOrigin: LocalServer;
let secure: TlsServer;
let proxy: ConnectProxy;
let fetchServer: FetchServerProcess;
let certificateDirectory: string;

const declinedReason = 'declined.proxy-test.invalid is not a declared domain of the fetch server';

// The proxy's own view of the world: names it resolves, and what it refuses.
function decide(target: ConnectTarget): ProxyDecision {
  const tunnel = (host: string, port = target.port): ProxyDecision => ({ action: 'tunnel', host, port });
  switch (target.host) {
    case 'pages.proxy-test.invalid':
      return tunnel('127.0.0.2');
    case 'default-port.proxy-test.invalid': // asked on :80, served on the page server's port
      return tunnel('127.0.0.2', pages.port);
    case 'other.proxy-test.invalid':
      return tunnel('127.0.0.3');
    case 'secure.proxy-test.invalid': // asked on :443
    case 'mismatch.proxy-test.invalid':
      return tunnel('127.0.0.2', secure.port);
    case 'declined.proxy-test.invalid':
      return { action: 'answer', status: 403, reason: declinedReason };
    case 'broken.proxy-test.invalid':
      return { action: 'answer', status: 502, reason: 'connect to 198.51.100.7:80 failed: ECONNREFUSED' };
    case 'late.proxy-test.invalid':
      return { action: 'answer', status: 504, reason: 'no answer from 198.51.100.8:80 within 10 s' };
    case 'hang.proxy-test.invalid':
      return { action: 'hang' };
    default:
      return isIP(target.host) !== 0
        ? tunnel(target.host)
        : { action: 'answer', status: 403, reason: `${target.host}: no such test name` };
  }
}

beforeAll(async () => {
  const routes = pageRoutes('http://pixel.proxy-test.invalid');
  pages = await startLocalServer('127.0.0.2', (request, response) => route(routes, request, response));
  otherOrigin = await startLocalServer('127.0.0.3', (request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(request.headers));
  });
  secure = await startTlsServer('secure.proxy-test.invalid');
  proxy = await startConnectProxy(decide);
  // The server process trusts the test certificate the way an operator adds a CA: NODE_EXTRA_CA_CERTS.
  certificateDirectory = await mkdtemp(join(tmpdir(), 'fetch-proxy-test-'));
  const caFile = join(certificateDirectory, 'ca.pem');
  await writeFile(caFile, secure.ca);
  fetchServer = await startFetchServer({
    HTTPS_PROXY: proxy.url,
    NODE_EXTRA_CA_CERTS: caFile,
    FETCH_ALLOW_ADDRESSES: '127.0.0.2',
  });
});

afterAll(async () => {
  await fetchServer?.close();
  await Promise.all([pages?.close(), otherOrigin?.close(), secure?.close(), proxy?.close()]);
  if (certificateDirectory !== undefined) await rm(certificateDirectory, { recursive: true, force: true });
});

function route(
  routes: ReturnType<typeof pageRoutes>,
  request: ReceivedRequest,
  response: ServerResponse,
): void {
  const url = new URL(request.url, 'http://fixture');
  if (url.pathname === '/redirect') return redirect(response, url.searchParams.get('to') ?? '/');
  const handler = routes[url.pathname];
  if (handler !== undefined) return handler(request, response);
  response.statusCode = 404;
  response.end();
}

const fetchUrl = (args: Record<string, unknown>) => fetchServer.callTool('http_fetch', args);
const pagesOrigin = () => `http://pages.proxy-test.invalid:${pages.port}`;

describe('http_fetch through the proxy [FETCH-11]', () => {
  it('fetches an http page over a CONNECT tunnel, resolving nothing itself', async () => {
    const result = await fetchUrl({ url: `${pagesOrigin()}/article` });
    expect(result.isError).toBe(false);
    expect(resultText(result).startsWith('# Article Title\n')).toBe(true);
    expect(resultText(result)).toContain(`[the relative link](${pagesOrigin()}/docs/guide.html)`);
    expect(proxy.connectTargets).toContain(`pages.proxy-test.invalid:${pages.port}`);
    expect(pages.requests.at(-1)).toMatchObject({
      method: 'GET',
      url: '/article',
      headers: { host: `pages.proxy-test.invalid:${pages.port}` },
    });
  });

  it('names the scheme port in CONNECT and leaves it out of Host when the URL has none', async () => {
    const result = await fetchUrl({ url: 'http://default-port.proxy-test.invalid/plain' });
    expect(resultText(result)).toBe('just plain text\nsecond line');
    expect(proxy.connectTargets.at(-1)).toBe('default-port.proxy-test.invalid:80');
    expect(pages.requests.at(-1)?.headers.host).toBe('default-port.proxy-test.invalid');
  });

  it('speaks TLS inside the tunnel with the host name as SNI and Host, the certificate checked against it', async () => {
    const result = await fetchUrl({ url: 'https://secure.proxy-test.invalid/' });
    expect(result.isError).toBe(false);
    expect(resultText(result)).toBe('over tls');
    expect(proxy.connectTargets.at(-1)).toBe('secure.proxy-test.invalid:443');
    expect(secure.sniNames.at(-1)).toBe('secure.proxy-test.invalid');
    expect(secure.hosts.at(-1)).toBe('secure.proxy-test.invalid');
  });

  it('refuses a certificate that does not name the host, through the tunnel too', async () => {
    const result = await fetchUrl({ url: 'https://mismatch.proxy-test.invalid/' });
    expect(result.isError).toBe(true);
    expect(result._meta?.['code']).toBe('UPSTREAM_FAILED');
    expect(resultText(result)).toContain(
      'TLS certificate of mismatch.proxy-test.invalid could not be verified',
    );
    expect(proxy.connectTargets.at(-1)).toBe('mismatch.proxy-test.invalid:443');
  });

  it('keeps the body limits inside the tunnel [FETCH-7]', async () => {
    const result = await fetchUrl({ url: `${pagesOrigin()}/gzip-bomb` });
    expect(result.isError).toBe(true);
    expect(result._meta?.['code']).toBe('RESPONSE_TOO_LARGE');
  });

  it('reaches an allowed IP literal through the proxy as well [FETCH-6]', async () => {
    const result = await fetchUrl({ url: `http://127.0.0.2:${pages.port}/json` });
    expect(resultText(result)).toBe('{"answer":42}');
    expect(proxy.connectTargets.at(-1)).toBe(`127.0.0.2:${pages.port}`);
  });
});

describe('proxy refusals and failures [FETCH-13]', () => {
  it('turns a 403 from the proxy into DESTINATION_REFUSED carrying its reason', async () => {
    const result = await fetchUrl({ url: 'https://declined.proxy-test.invalid/page' });
    expect(result.isError).toBe(true);
    expect(result._meta?.['code']).toBe('DESTINATION_REFUSED');
    expect(resultText(result)).toContain(
      `Refused by the network proxy: declined.proxy-test.invalid:443: ${declinedReason}.`,
    );
    expect(resultText(result)).toContain('allowedDomains');
  });

  it.each([
    [
      'broken',
      'UPSTREAM_FAILED',
      'The network proxy could not reach broken.proxy-test.invalid:80: connect to 198.51.100.7:80',
    ],
    [
      'late',
      'UPSTREAM_TIMEOUT',
      'The network proxy timed out reaching late.proxy-test.invalid:80 (HTTP 504)',
    ],
  ])('reports the proxy answer for %s as %s', async (name, code, message) => {
    const result = await fetchUrl({ url: `http://${name}.proxy-test.invalid/` });
    expect(result._meta?.['code']).toBe(code);
    expect(resultText(result)).toContain(message);
  });

  it('bounds the tunnel setup by the timeout', async () => {
    const started = Date.now();
    const result = await fetchUrl({ url: 'http://hang.proxy-test.invalid/', timeout: 1 });
    expect(result._meta?.['code']).toBe('UPSTREAM_TIMEOUT');
    expect(resultText(result)).toContain('did not answer within the timeout of 1 s');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('the local guard in proxy mode [FETCH-12]', () => {
  it.each([
    ['loopback 127.0.0.1 next to the allowed 127.0.0.2', () => `http://127.0.0.1:${pages.port}/`],
    ['a decimal spelling of 127.0.0.1', () => `http://2130706433:${pages.port}/`],
    ['[::1]', () => `http://[::1]:${pages.port}/`],
    ['IPv4-mapped [::ffff:10.0.0.1]', () => 'http://[::ffff:10.0.0.1]/'],
    ['private 10.0.0.1', () => 'http://10.0.0.1/'],
    ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['the metadata name', () => 'http://metadata.google.internal/computeMetadata/v1/'],
    ['localhost', () => `http://localhost:${pages.port}/`],
    ['a name under localhost', () => `http://api.localhost:${pages.port}/`],
    ['credentials in the URL', () => `http://user:secret@pages.proxy-test.invalid:${pages.port}/plain`],
    ['a file URL', () => 'file:///etc/passwd'],
  ])('refuses %s without asking the proxy', async (_name, url) => {
    const before = proxy.connectTargets.length;
    const result = await fetchUrl({ url: url() });
    expect(result.isError).toBe(true);
    expect(result._meta?.['code']).toBe('DESTINATION_REFUSED');
    expect(resultText(result)).not.toContain('network proxy');
    expect(proxy.connectTargets.length).toBe(before);
  });
});

describe('redirects through the proxy [FETCH-5] [FETCH-11]', () => {
  const redirectFrom = (target: string) => `${pagesOrigin()}/redirect?to=${encodeURIComponent(target)}`;

  it('follows a redirect within the origin through a tunnel of its own, with the agent headers', async () => {
    const before = proxy.connectTargets.length;
    const text = resultText(
      await fetchUrl({ url: redirectFrom('/headers'), headers: { Authorization: 'Bearer agent-token' } }),
    );
    expect(text.startsWith(`[Redirected to ${pagesOrigin()}/headers]\n\n`)).toBe(true);
    const headers = JSON.parse(text.replace(/^\[Redirected to \S+\]\n\n/, '')) as Record<string, string>;
    expect(headers['authorization']).toBe('Bearer agent-token');
    expect(proxy.connectTargets.slice(before)).toEqual([
      `pages.proxy-test.invalid:${pages.port}`,
      `pages.proxy-test.invalid:${pages.port}`,
    ]);
  });

  it.each([
    ['another host', () => `http://other.proxy-test.invalid:${otherOrigin.port}/headers?d=secret`],
    ['another port', () => `http://pages.proxy-test.invalid:${otherOrigin.port}/headers?d=secret`],
    [
      'https on the same host and port',
      () => `https://pages.proxy-test.invalid:${pages.port}/headers?d=secret`,
    ],
    ['a private address', () => 'http://10.0.0.1/'],
    ['a host the proxy declines', () => 'https://declined.proxy-test.invalid/'],
  ])('returns a redirect to %s without asking the proxy for it', async (_name, target) => {
    const before = proxy.connectTargets.length;
    const otherRequests = otherOrigin.requests.length;
    const result = await fetchUrl({
      url: redirectFrom(target()),
      headers: { Authorization: 'Bearer agent-token' },
    });
    expect(result.isError).toBe(false);
    expect(resultText(result)).toContain(
      `${redirectFrom(target())} answered HTTP 302 Found: the page redirects to ${target()}, which is on another origin`,
    );
    expect(proxy.connectTargets.slice(before)).toEqual([`pages.proxy-test.invalid:${pages.port}`]);
    expect(otherOrigin.requests.length).toBe(otherRequests);
  });
});

describe('proxy mode on the wire [FETCH-11] [FETCH-10]', () => {
  it('only ever sent CONNECT to the proxy, and only protocol to stdout', () => {
    expect(proxy.plainRequests).toEqual([]);
    expect(fetchServer.transportErrors).toEqual([]);
    expect(fetchServer.stderr()).toContain(`"egress":"proxy ${proxy.url}"`);
  });
});
