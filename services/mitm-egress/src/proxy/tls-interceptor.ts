import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { LeafCache } from './leaf-cache.js';

/** What the proxy learned at CONNECT: the only host the tunnel may reach, and the session if it authenticated. */
export interface Tunnel {
  host: string;
  port: number;
  sessionId: string | undefined;
}

/** A request that arrived inside a tunnel, with the tunnel it came through. */
export type TunnelRequestHandler = (
  request: IncomingMessage | Http2ServerRequest,
  response: ServerResponse | Http2ServerResponse,
  tunnel: Tunnel,
) => void;

/** Terminates TLS on CONNECT tunnels and serves what comes out as HTTP/2 or HTTP/1.1 (ALPN decides). */
export interface TlsInterceptor {
  intercept(socket: Socket, head: Buffer, tunnel: Tunnel): Promise<void>;
  close(): void;
}

const tunnelKey = Symbol('egress tunnel');
const handshakeTimeoutMs = 10_000;

/**
 * One HTTP/2 server (HTTP/1.1 allowed) that never listens: each tunnel's socket is wrapped in a TLSSocket with the
 * leaf certificate of the CONNECT host (whatever SNI the client sends) and handed to it as a secure connection. The
 * tunnel rides on the TLS socket, so every request knows the host it may go to.
 */
export function createTlsInterceptor(leafCache: LeafCache, onRequest: TunnelRequestHandler): TlsInterceptor {
  const server = createSecureServer({ allowHTTP1: true, settings: { enablePush: false } });
  const openSockets = new Set<TLSSocket>();
  server.on('request', (request: IncomingMessage | Http2ServerRequest, response) => {
    const tunnel = (request.socket as unknown as Record<symbol, Tunnel | undefined>)[tunnelKey];
    if (tunnel === undefined) {
      request.socket.destroy();
      return;
    }
    onRequest(request, response, tunnel);
  });
  // Upgrades (websockets) inside a tunnel: refused by closing; nothing is proxied that is not a provider request.
  server.on('upgrade', (_request: IncomingMessage, socket: Socket) => {
    socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  });
  return {
    async intercept(socket, head, tunnel) {
      const secureContext = await leafCache.secureContextFor(tunnel.host);
      if (head.length > 0) socket.unshift(head);
      socket.allowHalfOpen = false;
      socket.setNoDelay(true);
      const tlsSocket = new TLSSocket(socket, {
        isServer: true,
        secureContext,
        ALPNProtocols: ['h2', 'http/1.1'],
      } as ConstructorParameters<typeof TLSSocket>[1]);
      // The HTTP server's sockets allow half-open connections and the TLS socket inherits that: a client that closes
      // would leave the tunnel open for ever.
      tlsSocket.allowHalfOpen = false;
      (tlsSocket as unknown as Record<symbol, Tunnel>)[tunnelKey] = tunnel;
      openSockets.add(tlsSocket);
      const timer = setTimeout(() => tlsSocket.destroy(), handshakeTimeoutMs);
      tlsSocket.once('secure', () => {
        clearTimeout(timer);
        // What tls.Server does before it emits 'secureConnection': an HTTP/2 session waits for 'secureConnect' (a
        // client-side event) while this flag is set, and so would never start.
        (tlsSocket as unknown as { secureConnecting: boolean }).secureConnecting = false;
        server.emit('secureConnection', tlsSocket);
      });
      tlsSocket.on('error', () => tlsSocket.destroy());
      tlsSocket.once('close', () => {
        clearTimeout(timer);
        openSockets.delete(tlsSocket);
        socket.destroy();
      });
    },
    close() {
      for (const socket of openSockets) socket.destroy();
      server.close();
    },
  };
}
