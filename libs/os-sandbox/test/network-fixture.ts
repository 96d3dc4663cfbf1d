// The outside of a filtered sandbox: a real domain proxy (@ironcurtain/domain-proxy) on a unix socket in the
// fixture, whose resolver maps the test's names to loopback, and a fake HTTP server on the host's 127.0.0.1.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createDomainProxy, type DomainProxy, type ProxyDecision } from '@ironcurtain/domain-proxy';
import type { NetworkProxyOptions } from '@ironcurtain/os-sandbox';
import type { SandboxFixture } from './sandbox-fixture.js';

/** A running domain proxy and the `networkProxy` option that puts it behind a sandbox. */
export interface TestProxy {
  proxy: DomainProxy;
  networkProxy: NetworkProxyOptions;
  decisions: ProxyDecision[];
  close(): Promise<void>;
}

let proxyCount = 0;

/**
 * Starts a domain proxy for `allowedDomains`; `names` resolve to 127.0.0.1, which `allowedAddresses` lets through
 * (so a declared name reaches the fake on the host's loopback, which the sandbox itself cannot reach).
 */
export async function startTestProxy(
  fixture: SandboxFixture,
  options: { allowedDomains: string[]; names?: string[] },
): Promise<TestProxy> {
  const decisions: ProxyDecision[] = [];
  const names = new Set(options.names ?? []);
  proxyCount += 1;
  const proxy = await createDomainProxy({
    socketPath: join(fixture.root, 'proxies', String(proxyCount), 'proxy.sock'),
    allowedDomains: options.allowedDomains,
    allowedAddresses: ['127.0.0.1'],
    lookup: async (hostname) => {
      if (!names.has(hostname)) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return [{ address: '127.0.0.1', family: 4 }];
    },
    onDecision: (decision) => decisions.push(decision),
  });
  return {
    proxy,
    networkProxy: { socketPath: proxy.socketPath, nodePath: process.execPath },
    decisions,
    close: () => proxy.close(),
  };
}

/** A fake web server on the host's 127.0.0.1 that answers `hello <path> via <host header>`. */
export interface FakeWebServer {
  port: number;
  close(): Promise<void>;
}

/** Starts the fake web server. */
export async function startFakeWebServer(): Promise<FakeWebServer> {
  const server: Server = createServer((request, response) => {
    response.end(`hello ${request.url ?? ''} via ${request.headers.host ?? ''}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A Node program run inside the sandbox: `connect <host:port>` sends CONNECT to $HTTPS_PROXY and a GET through the
 * tunnel; `get <url>` sends an absolute-form GET to $HTTP_PROXY; `direct <port>` connects to 127.0.0.1:<port>
 * itself. It prints what it receives, or the error code.
 */
export const networkProbeScript = `
const net = require('node:net');
const [mode, target] = process.argv.slice(2);
function viaProxy(variable, request) {
  const proxy = new URL(process.env[variable]);
  const socket = net.connect(Number(proxy.port), proxy.hostname);
  let received = '';
  let isTunnelUsed = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    received += chunk;
    if (mode === 'connect' && !isTunnelUsed && /^HTTP\\/1\\.1 200 [^]*\\r\\n\\r\\n$/.test(received)) {
      isTunnelUsed = true;
      socket.write('GET /through-the-filter HTTP/1.1\\r\\nHost: ' + target + '\\r\\nConnection: close\\r\\n\\r\\n');
    }
  });
  socket.on('error', (error) => console.log(error.code));
  socket.on('close', () => console.log(received));
  socket.write(request);
}
if (mode === 'connect') viaProxy('HTTPS_PROXY', 'CONNECT ' + target + ' HTTP/1.1\\r\\nHost: ' + target + '\\r\\n\\r\\n');
if (mode === 'get') viaProxy('HTTP_PROXY', 'GET ' + target + ' HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n');
if (mode === 'direct') {
  const socket = net.connect(Number(target), '127.0.0.1');
  socket.on('connect', () => { console.log('connected'); socket.end(); });
  socket.on('error', (error) => console.log(error.code));
}
`;
