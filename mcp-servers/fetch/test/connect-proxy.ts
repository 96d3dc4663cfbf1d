import { createServer, STATUS_CODES } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** What the fake proxy does with one CONNECT. */
export type ProxyDecision =
  /** Open the tunnel to this address and port (the proxy's own name resolution). */
  | { action: 'tunnel'; host: string; port: number }
  /** Answer with this status and a text body naming the reason, as IronCurtain's proxy refuses a destination. */
  | { action: 'answer'; status: number; reason: string }
  /** Accept the connection and never answer. */
  | { action: 'hang' };

/** The target of one CONNECT, as the proxy parsed it. */
export interface ConnectTarget {
  /** The request-target as received: `host:port`, IPv6 in brackets. */
  authority: string;
  /** The host, IPv6 without brackets. */
  host: string;
  port: number;
}

/** A real CONNECT proxy on 127.0.0.1 standing in for the sandbox's bridge to IronCurtain's domain proxy. */
export interface ConnectProxy {
  /** `http://127.0.0.1:<port>`, the value of HTTPS_PROXY. */
  url: string;
  /** The request-target of every CONNECT received, in order. */
  connectTargets: string[];
  /** Requests that were not CONNECT (absolute-form plain HTTP); the fetch server never sends one. */
  plainRequests: string[];
  close(): Promise<void>;
}

/** Starts the proxy; `decide` chooses what happens to each CONNECT target. */
export async function startConnectProxy(
  decide: (target: ConnectTarget) => ProxyDecision,
): Promise<ConnectProxy> {
  const connectTargets: string[] = [];
  const plainRequests: string[] = [];
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = createServer((request, response) => {
    plainRequests.push(`${request.method ?? ''} ${request.url ?? ''}`);
    response.statusCode = 405;
    response.end('this test proxy only tunnels');
  });
  server.on('connect', (request, clientSocket: Duplex, head: Buffer) => {
    track(clientSocket);
    clientSocket.on('error', () => clientSocket.destroy());
    const authority = request.url ?? '';
    connectTargets.push(authority);
    const parsed = new URL(`http://${authority}`);
    const target = {
      authority,
      host: parsed.hostname.replace(/^\[|\]$/g, ''),
      port: Number(parsed.port || 80),
    };
    const decision = decide(target);
    if (decision.action === 'hang') return;
    if (decision.action === 'answer') return answer(clientSocket, decision.status, decision.reason);
    const upstream = connect(decision.port, decision.host);
    track(upstream);
    upstream.once('error', (error: NodeJS.ErrnoException) =>
      answer(clientSocket, 502, `cannot connect to ${target.authority}: ${error.code ?? error.message}`),
    );
    upstream.once('connect', () => splice(clientSocket, upstream, head));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connectTargets,
    plainRequests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function answer(clientSocket: Duplex, status: number, reason: string): void {
  const body = Buffer.from(reason, 'utf8');
  clientSocket.end(
    Buffer.concat([
      Buffer.from(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
          `content-length: ${body.length}\r\nconnection: close\r\n\r\n`,
      ),
      body,
    ]),
  );
}

function splice(clientSocket: Duplex, upstream: Socket, head: Buffer): void {
  upstream.removeAllListeners('error');
  upstream.on('error', () => clientSocket.destroy());
  clientSocket.on('close', () => upstream.destroy());
  upstream.on('close', () => clientSocket.destroy());
  clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  if (head.length > 0) upstream.write(head);
  clientSocket.pipe(upstream);
  upstream.pipe(clientSocket);
}
