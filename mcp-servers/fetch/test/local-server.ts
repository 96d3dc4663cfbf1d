import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a local test server received. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server on a loopback address, recording what it receives. */
export interface LocalServer {
  host: string;
  port: number;
  /** `http://host:port` (IPv6 hosts in brackets). */
  origin: string;
  requests: ReceivedRequest[];
  /** TCP connections accepted so far, whether or not a whole HTTP request came on them (a TLS hello does not). */
  connectionCount(): number;
  server: Server;
  close(): Promise<void>;
}

/** A route handler: gets the request (body already read) and answers it. */
export type Handler = (request: ReceivedRequest, response: ServerResponse, raw: IncomingMessage) => void;

/** Starts an HTTP server on `host` (port chosen by the system, or `port`). */
export async function startLocalServer(host: string, handler: Handler, port = 0): Promise<LocalServer> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((raw, response) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const request = {
        method: raw.method ?? '',
        url: raw.url ?? '',
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      handler(request, response, raw);
    });
  });
  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    host,
    port: actualPort,
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    requests,
    connectionCount: () => connections,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
