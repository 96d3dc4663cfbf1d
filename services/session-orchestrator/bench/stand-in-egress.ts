// bench:session's container start needs a target for the session's egress relay: Claude Code → HTTPS_PROXY (the
// init script's socat on 127.0.0.1:18080) → egress.sock → relay → this TCP server. Claude Code's first connection to
// api.anthropic.com is not its model request: it first fetches `GET /api/claude_code/settings` and
// `/api/claude_code/policy_limits`, and waits for them. So the stand-in does what mitm-egress does with them: it
// accepts the CONNECT, terminates TLS with a certificate from the session CA (the `ca.pem` the container trusts) and
// refuses those endpoints with 403, as mitm-egress's allowlist does. It notes when the first bytes of the first
// CONNECT arrive and when the first bytes of `POST /v1/messages` (the model request) arrive; the sample then aborts
// the run, so the container is killed and removed.
import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { TLSSocket } from 'node:tls';
import type { SessionCertificates } from './session-certificates.ts';

/** The host whose CONNECTs the stand-in serves; the session CA's leaf certificate is issued for it. */
export const modelHost = 'api.anthropic.com';
const modelRequest = { method: 'POST', path: '/v1/messages' };
// A head larger than this is not a request the agent makes; the connection is dropped rather than buffered on.
const maximumHeadBytes = 64 * 1024;

/** The sample in progress, as the stand-in egress fills it in. */
export interface PendingSample {
  readonly sessionId: string;
  firstConnectAt?: number;
  modelRequest(at: number, proxyUser: string | undefined): void;
}

export interface StandInEgress {
  readonly port: number;
  /** Attributes connections to `sample` until the next call (or `undefined`). */
  expect(sample: PendingSample | undefined): void;
  readonly refusedRequests: Map<string, number>;
  readonly otherConnections: Map<string, number>;
  close(): Promise<void>;
}

// The relay's target. Per connection: the CONNECT head; for the model host, 200, then TLS with the session CA's
// leaf, and each request in the tunnel: the model request is noted (and its connection dropped), anything else is
// refused with 403 as mitm-egress refuses an endpoint off its allowlist.
export async function startStandInEgress(certificates: SessionCertificates): Promise<StandInEgress> {
  const refusedRequests = new Map<string, number>();
  const otherConnections = new Map<string, number>();
  const count = (counts: Map<string, number>, what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
  const sockets = new Set<Socket>();
  let current: PendingSample | undefined;

  const serveTunnel = (tunnel: TLSSocket, sample: PendingSample, proxyUser: string | undefined) => {
    let head = '';
    let firstBytesAt: number | undefined;
    tunnel.on('error', () => undefined);
    tunnel.on('data', (chunk: Buffer) => {
      firstBytesAt ??= performance.now();
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > maximumHeadBytes) tunnel.destroy();
        return;
      }
      const lines = head.slice(0, end).split('\r\n');
      const [method = '?', target = '?'] = (lines[0] ?? '').split(' ');
      const path = target.split('?')[0] ?? target;
      if (method === modelRequest.method && path === modelRequest.path) {
        sample.modelRequest(firstBytesAt, proxyUser);
        tunnel.destroy();
        return;
      }
      count(refusedRequests, `${method} ${path}`);
      // Requests with a body end their connection, so the next request starts on a fresh one.
      const hasBody = lines.some((line) => /^(content-length:\s*[1-9]|transfer-encoding:)/i.test(line));
      const body = JSON.stringify({
        type: 'error',
        error: {
          type: 'egress_denied',
          message: `mitm-egress: ${method} ${path} is not an allowed anthropic endpoint`,
        },
      });
      tunnel.write(
        'HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\n' +
          `content-length: ${Buffer.byteLength(body)}\r\n${hasBody ? 'connection: close\r\n' : ''}\r\n${body}`,
      );
      if (hasBody) tunnel.end();
      head = '';
      firstBytesAt = undefined;
    });
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    let firstBytesAt: number | undefined;
    const onData = (chunk: Buffer) => {
      firstBytesAt ??= performance.now();
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > maximumHeadBytes) socket.destroy();
        return;
      }
      socket.off('data', onData);
      const lines = head.slice(0, end).split('\r\n');
      const [method = '?', authority = '?'] = (lines[0] ?? '').split(' ');
      const proxyUser = proxyUserOf(lines);
      const sample = current;
      const isSessions = sample !== undefined && (proxyUser === undefined || proxyUser === sample.sessionId);
      if (method !== 'CONNECT' || authority !== `${modelHost}:443` || !isSessions) {
        count(otherConnections, `${method} ${authority}${isSessions ? '' : ' (no sample running)'}`);
        socket.destroy();
        return;
      }
      sample.firstConnectAt ??= firstBytesAt;
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      const tunnel = new TLSSocket(socket, {
        isServer: true,
        key: certificates.leafKeyPem,
        cert: certificates.leafPem,
      });
      serveTunnel(tunnel, sample, proxyUser);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    expect: (sample) => {
      current = sample;
    },
    refusedRequests,
    otherConnections,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

// The user of `Proxy-Authorization: Basic …`: the session id in HTTPS_PROXY's credentials.
function proxyUserOf(headerLines: readonly string[]): string | undefined {
  for (const line of headerLines) {
    const basic = /^proxy-authorization:\s*basic\s+(\S+)/i.exec(line);
    if (basic?.[1] !== undefined) return Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0];
  }
  return undefined;
}
