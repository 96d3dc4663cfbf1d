// Real sockets on loopback only: fake upstream servers on 127.0.0.1, the proxy on a unix socket in a temp directory,
// and raw clients that write exactly the bytes a proxy client would.
import { mkdtemp, rm } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingHttpHeaders,
} from 'node:http';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDomainProxy,
  type DomainProxy,
  type DomainProxyOptions,
  type ProxyDecision,
} from '@ironcurtain/domain-proxy';

/** What the fake HTTP upstream saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A fake HTTP server on 127.0.0.1 that answers every request with what it saw, as JSON. */
export interface FakeUpstream {
  port: number;
  requests: SeenRequest[];
  /** TCP connections accepted so far. */
  connectionCount(): number;
  close(): Promise<void>;
}

/** Starts the fake HTTP upstream. */
export async function startFakeHttp(): Promise<FakeUpstream> {
  const requests: SeenRequest[] = [];
  let connections = 0;
  const server = createHttpServer((request, response) => {
    const seen = { method: request.method ?? '', url: request.url ?? '', headers: request.headers };
    requests.push(seen);
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'fake' });
      response.end(JSON.stringify(seen));
    });
  });
  server.on('connection', () => (connections += 1));
  const port = await listenOnLoopback(server);
  return {
    port,
    requests,
    connectionCount: () => connections,
    close: () => closeServer(server),
  };
}

/** A fake TCP echo server on 127.0.0.1 that records its open connections. */
export interface FakeEcho {
  port: number;
  openSockets: Set<Socket>;
  close(): Promise<void>;
}

/** Starts the echo server. */
export async function startFakeEcho(): Promise<FakeEcho> {
  const openSockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  const port = await listenOnLoopback(server);
  return {
    port,
    openSockets,
    close: () => {
      for (const socket of openSockets) socket.destroy();
      return closeServer(server);
    },
  };
}

/** A proxy in its own temp directory, with every lookup and decision recorded. */
export interface ProxyUnderTest {
  proxy: DomainProxy;
  directory: string;
  lookups: string[];
  decisions: ProxyDecision[];
  remove(): Promise<void>;
}

/**
 * Starts a proxy whose resolver answers `addresses[name]` (a name it does not know fails like NXDOMAIN). Names
 * mapped to 127.0.0.1 reach the fakes when `allowedAddresses` lets 127.0.0.1 through.
 */
export async function startProxy(
  options: Omit<DomainProxyOptions, 'socketPath' | 'lookup' | 'onDecision'> & {
    addresses?: Record<string, string[]>;
    lookup?: DomainProxyOptions['lookup'];
  },
): Promise<ProxyUnderTest> {
  const directory = await mkdtemp(join(tmpdir(), 'domain-proxy-'));
  const lookups: string[] = [];
  const decisions: ProxyDecision[] = [];
  const { addresses = {}, lookup, ...rest } = options;
  const proxy = await createDomainProxy({
    ...rest,
    socketPath: join(directory, 'run', 'proxy.sock'),
    lookup:
      lookup ??
      (async (hostname) => {
        lookups.push(hostname);
        const answer = addresses[hostname];
        if (answer === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
        return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      }),
    onDecision: (decision) => decisions.push(decision),
  });
  return {
    proxy,
    directory,
    lookups,
    decisions,
    remove: async () => {
      await proxy.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The proxy's answer to a CONNECT: status line, and on success the open tunnel. */
export interface ConnectAnswer {
  status: number;
  /** The whole answer up to the close (refusals), or the head only (200). */
  text: string;
  socket: Socket;
}

/** Sends `CONNECT authority` over the unix socket and reads the answer's head (and body, when refused). */
export function sendConnect(socketPath: string, authority: string): Promise<ConnectAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let received = '';
    socket.setEncoding('latin1');
    const onData = (chunk: string): void => {
      received += chunk;
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const status = Number(received.slice(9, 12));
      if (status !== 200) return;
      socket.off('data', onData);
      resolve({ status, text: received, socket });
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.on('end', () => resolve({ status: Number(received.slice(9, 12)), text: received, socket }));
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

/** Writes raw bytes to the proxy and returns everything it answers until it closes the connection. */
export function exchangeRaw(socketPath: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.write(text);
  });
}

/** An absolute-form request through the proxy, the way a client with HTTP_PROXY sends it. */
export function requestThrough(
  socketPath: string,
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ socketPath, path: url, method: 'GET', headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

/** Sends one HTTP request through an open tunnel and returns the raw answer up to the close. */
export function requestInTunnel(socket: Socket, host: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    }),
  );
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}
