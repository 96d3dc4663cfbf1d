// A minimal client that opens a CONNECT tunnel through the egress and speaks HTTP/1.1 or HTTP/2 inside it, recording
// when each piece of the response body arrives.
import { request as httpRequest } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

/** A response body with the arrival time (ms, performance.now()) of each chunk. */
export interface TimedResponse {
  status: number;
  chunks: { at: number; text: string }[];
  startedAt: number;
}

/** Opens a TLS connection to `host` through the proxy's CONNECT, trusting `ca`, offering `alpn`. */
export async function openTunnel(
  proxyUrl: string,
  host: string,
  ca: string,
  alpn: string[],
): Promise<TLSSocket> {
  const proxy = new URL(proxyUrl);
  const raw = await new Promise<Socket>((resolve, reject) => {
    const connectRequest = httpRequest({
      host: proxy.hostname,
      port: proxy.port,
      method: 'CONNECT',
      path: `${host}:443`,
    });
    connectRequest.on('connect', (response, socket) =>
      response.statusCode === 200 ? resolve(socket) : reject(new Error(`CONNECT ${response.statusCode}`)),
    );
    connectRequest.on('error', reject);
    connectRequest.end();
  });
  const tls = tlsConnect({ socket: raw, servername: host, ca, ALPNProtocols: alpn });
  await new Promise<void>((resolve, reject) => tls.once('secureConnect', resolve).once('error', reject));
  return tls;
}

/** POSTs `body` over HTTP/2 inside a tunnel and times the response chunks. */
export async function postOverHttp2(
  tls: TLSSocket,
  host: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<TimedResponse> {
  const session = http2Connect(`https://${host}`, { createConnection: () => tls });
  try {
    const startedAt = performance.now();
    const stream = session.request({ ':method': 'POST', ':path': path, ...headers });
    stream.end(body);
    const status = await new Promise<number>((resolve) =>
      stream.once('response', (h) => resolve(Number(h[':status']))),
    );
    const chunks: TimedResponse['chunks'] = [];
    for await (const chunk of stream)
      chunks.push({ at: performance.now(), text: (chunk as Buffer).toString() });
    return { status, chunks, startedAt };
  } finally {
    session.close();
  }
}

/** POSTs `body` with node:http (plain TCP to `url`, or HTTP/1.1 in a tunnel via `createConnection`) and times it. */
export async function postOverHttp1(
  url: string,
  headers: Record<string, string>,
  body: string,
  tunnel?: TLSSocket,
): Promise<TimedResponse> {
  const startedAt = performance.now();
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: 'POST',
        headers: {
          ...headers,
          ...(tunnel === undefined ? {} : { host: target.hostname }),
          'content-length': String(Buffer.byteLength(body)),
        },
        ...(tunnel === undefined ? {} : { createConnection: () => tunnel }),
      },
      (response) => {
        const chunks: TimedResponse['chunks'] = [];
        response.on('data', (chunk: Buffer) =>
          chunks.push({ at: performance.now(), text: chunk.toString() }),
        );
        response.on('end', () => resolve({ status: response.statusCode ?? 0, chunks, startedAt }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** The arrival time of each SSE event (a chunk may hold several; each gets the chunk's time). */
export function eventArrivals(response: TimedResponse): number[] {
  return response.chunks.flatMap((chunk) => Array.from(chunk.text.matchAll(/\n\n/g), () => chunk.at));
}
