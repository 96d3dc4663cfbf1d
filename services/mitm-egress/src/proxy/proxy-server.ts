import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { rm } from 'node:fs/promises';
import { parseConnectTarget, parseProxyAuthorization, parseReverseTarget } from '../domain/proxy-targets.js';
import type { ProviderIndex } from '../domain/providers.js';
import { runHostExchange } from './host-exchange.js';
import { runExchange, type ExchangeDependencies } from './provider-exchange.js';
import { sendRefusal, type AgentRequest, type AgentResponse } from './relay.js';
import type { TlsInterceptor, Tunnel } from './tls-interceptor.js';

/** What the front of the proxy needs. */
export interface ProxyServerDependencies extends ExchangeDependencies {
  providers: ProviderIndex;
  interceptor: TlsInterceptor;
  isProxyTokenValid(sessionId: string, proxyToken: string): boolean;
  /** Hosts added for an open session (reachable on 443 with its proxy credentials). */
  hostsOf(sessionId: string): readonly string[] | undefined;
}

/** Where the proxy listens: a TCP port, a unix socket, or both. */
export interface ProxyListenOptions {
  host: string;
  port: number | undefined;
  socketPath: string | undefined;
}

/** The proxy's listeners. */
export interface ProxyServer {
  listen(options: ProxyListenOptions): Promise<{ port: number | undefined; socketPath: string | undefined }>;
  close(): Promise<void>;
}

/**
 * The front of the proxy, the same on TCP and on the unix socket: `CONNECT host:443` for the providers' hosts
 * (forward mode, TLS terminated inside), `/<provider>/…` requests on the proxy itself (reverse mode), and a 403
 * with the reason for everything else (plain-HTTP proxying, other hosts, websockets).
 */
export function createProxyServer(dependencies: ProxyServerDependencies): ProxyServer {
  const servers: Server[] = [];
  let socketPath: string | undefined;
  const make = (): Server => {
    const server = createServer({ noDelay: true, requestTimeout: 0 });
    server.on('connect', (request: IncomingMessage, socket: Socket, head: Buffer) =>
      onConnect(dependencies, request, socket, head),
    );
    server.on('request', (request: IncomingMessage, response: ServerResponse) =>
      onPlainRequest(dependencies, request, response),
    );
    server.on('upgrade', (_request: IncomingMessage, socket: Socket) =>
      refuseSocket(socket, 403, 'upgrades are not proxied'),
    );
    servers.push(server);
    return server;
  };
  return {
    async listen(options) {
      let port: number | undefined;
      if (options.port !== undefined) {
        const server = make();
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(options.port, options.host, () => resolve());
        });
        const address = server.address();
        port = typeof address === 'object' && address !== null ? address.port : undefined;
      }
      if (options.socketPath !== undefined) {
        await rm(options.socketPath, { force: true });
        const server = make();
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(options.socketPath, () => resolve());
        });
        socketPath = options.socketPath;
      }
      return { port, socketPath };
    },
    async close() {
      // Tunnels are no longer the HTTP server's connections: end them first, or close would wait for them.
      dependencies.interceptor.close();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
      if (socketPath !== undefined) await rm(socketPath, { force: true });
    },
  };
}

function onConnect(
  dependencies: ProxyServerDependencies,
  request: IncomingMessage,
  socket: Socket,
  head: Buffer,
): void {
  socket.on('error', () => socket.destroy());
  const target = parseConnectTarget(request.url ?? '');
  const refuse = (status: number, reason: string, sessionId?: string): void => {
    refuseSocket(socket, status, reason);
    dependencies.reporter.request({
      sessionId,
      host: target?.host ?? (request.url ?? '').slice(0, 255),
      method: 'CONNECT',
      path: '',
      status,
      bytes: 0,
      decision: 'deny',
      reason,
      mode: 'forward',
      durationMs: 0,
    });
  };
  if (target === undefined) return refuse(400, 'CONNECT needs host:port');
  const credentials = parseProxyAuthorization(request.headers['proxy-authorization']);
  if (credentials === 'invalid')
    return refuse(407, 'Proxy-Authorization must be Basic <session id>:<proxy token>');
  if (
    credentials !== undefined &&
    !dependencies.isProxyTokenValid(credentials.sessionId, credentials.proxyToken)
  ) {
    return refuse(407, 'the proxy credentials are not those of an open session');
  }
  const sessionId = credentials?.sessionId;
  const provider = dependencies.providers.byConnectTarget(target.host, target.port);
  if (provider === undefined && !isSessionHost(dependencies, sessionId, target.host, target.port)) {
    const hint = sessionId === undefined ? ' (hosts added for a session need its proxy credentials)' : '';
    return refuse(403, `${target.host}:${target.port} is not an allowed destination${hint}`, sessionId);
  }
  const tunnel: Tunnel = {
    host: provider?.host ?? target.host,
    port: provider?.port ?? target.port,
    sessionId,
  };
  socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  dependencies.interceptor.intercept(socket, head, tunnel).catch(() => socket.destroy());
}

/**
 * Requests inside a tunnel: only to the CONNECT host, in origin form; to a provider (its checks and key swap), or to
 * a host added for the tunnel's session, checked again on every request so a removal takes effect at once.
 */
export function onTunnelRequest(
  dependencies: ProxyServerDependencies,
  request: AgentRequest & { url?: string | undefined },
  response: AgentResponse,
  tunnel: Tunnel,
): void {
  const provider = dependencies.providers.byConnectTarget(tunnel.host, tunnel.port);
  const authority = request.headers[':authority'] ?? request.headers['host'];
  const url = request.url ?? '';
  if (!url.startsWith('/')) return sendRefusal(response, 400, 'bad request target');
  if (typeof authority !== 'string' || !isSameHost(authority, tunnel)) {
    return sendRefusal(response, 403, `the Host header must name ${tunnel.host}, the CONNECT target`);
  }
  if (provider !== undefined) {
    return runExchange(dependencies, request, response, {
      mode: 'forward',
      provider,
      path: url,
      tunnelSessionId: tunnel.sessionId,
    });
  }
  if (
    tunnel.sessionId === undefined ||
    !isSessionHost(dependencies, tunnel.sessionId, tunnel.host, tunnel.port)
  ) {
    const reason = `${tunnel.host} is no longer allowed for this session`;
    sendRefusal(response, 403, reason);
    dependencies.reporter.request({
      sessionId: tunnel.sessionId,
      host: tunnel.host,
      method: request.method ?? 'GET',
      path: url.split('?')[0] ?? '',
      status: 403,
      bytes: 0,
      decision: 'deny',
      reason,
      mode: 'forward',
      durationMs: 0,
    });
    return;
  }
  runHostExchange(dependencies, request, response, {
    host: tunnel.host,
    sessionId: tunnel.sessionId,
    path: url,
  });
}

function isSessionHost(
  dependencies: ProxyServerDependencies,
  sessionId: string | undefined,
  host: string,
  port: number,
): boolean {
  if (sessionId === undefined || port !== 443) return false;
  return dependencies.hostsOf(sessionId)?.includes(host) ?? false;
}

function onPlainRequest(
  dependencies: ProxyServerDependencies,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const url = request.url ?? '';
  const reverse = url.startsWith('/') ? parseReverseTarget(url) : undefined;
  const provider = reverse === undefined ? undefined : dependencies.providers.byName(reverse.providerName);
  if (reverse === undefined || provider === undefined) {
    const reason = url.startsWith('/')
      ? `unknown provider in ${url.split('?')[0]}: use /<provider>/… with ${dependencies.providers.all.map((p) => p.name).join(', ')}`
      : 'plain HTTP is not proxied: use CONNECT (https) or /<provider>/… on the egress';
    sendRefusal(response, 403, reason);
    dependencies.reporter.request({
      host: safeHost(url),
      method: request.method ?? 'GET',
      path: url.split('?')[0]?.slice(0, 1024) ?? '',
      status: 403,
      bytes: 0,
      decision: 'deny',
      reason,
      mode: url.startsWith('/') ? 'reverse' : 'forward',
      durationMs: 0,
    });
    return;
  }
  runExchange(dependencies, request, response, {
    mode: 'reverse',
    provider,
    path: provider.reversePath(reverse.path),
  });
}

function isSameHost(authority: string, tunnel: Tunnel): boolean {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority.trim().toLowerCase());
  if (match === null) return false;
  const host = (match[1] ?? '').replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const port = match[2] === undefined ? 443 : Number(match[2]);
  return host === tunnel.host.toLowerCase() && port === tunnel.port;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'egress';
  }
}

function refuseSocket(socket: Socket, status: number, reason: string): void {
  const body = JSON.stringify({
    type: 'error',
    error: { type: 'egress_denied', message: `mitm-egress: ${reason}` },
  });
  const statusText =
    status === 407 ? 'Proxy Authentication Required' : status === 400 ? 'Bad Request' : 'Forbidden';
  const authenticate = status === 407 ? 'proxy-authenticate: Basic realm="mitm-egress"\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `${authenticate}connection: close\r\nx-egress-reason: ${reason.replace(/[^\x20-\x7e]/g, '?')}\r\n\r\n${body}`,
  );
}
