import { chmod, lstat, mkdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import { canonicalAddress, createAddressPolicy, metadataAddresses } from '@ironcurtain/address-screen';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { handleConnect } from './connect-tunnel.js';
import { systemLookup, type HostLookup } from './destination-screen.js';
import { parseDomainRules } from './domain-rules.js';
import { handleForward } from './forward-request.js';
import type { ProxyContext, ProxyDecision } from './proxy-context.js';
import { refuseSocket } from './proxy-responses.js';

/** Options of {@link createDomainProxy}. */
export interface DomainProxyOptions {
  /** The unix socket to listen on. Its parent directory is created (0700) if missing; a stale socket is replaced. */
  socketPath: string;
  /** `github.com`: that name; `*.github.com`: its subdomains, not the name itself; `*`: any name or IP address. */
  allowedDomains: readonly string[];
  /**
   * Exact IP addresses let through although the address screen refuses them (an operator's LAN host; tests'
   * 127.0.0.1). Cloud metadata addresses are refused here with `CONFIG_INVALID`.
   */
  allowedAddresses?: readonly string[];
  /** Resolves a name to all its addresses; default the system resolver (`dns.lookup`, all, verbatim order). */
  lookup?: HostLookup;
  /** How long resolving and connecting to one destination may take together. Default 10 s. */
  connectTimeoutMs?: number;
  /** Called with every allow or deny decision on a destination, for the caller's log. Must not throw. */
  onDecision?: (decision: ProxyDecision) => void;
}

/** A running domain proxy. */
export interface DomainProxy {
  socketPath: string;
  /** Stops listening, ends every open tunnel and forwarded request, and removes the socket file. */
  close(): Promise<void>;
}

// Headers of a proxy request are small (a CONNECT line and a Host header); 16 KiB bounds a client that sends more.
const maxHeaderBytes = 16 * 1024;
const maxHeaderCount = 100;
const headersTimeoutMs = 30_000;

/**
 * Starts the network filter of one sandboxed server: an HTTP/1.1 proxy on a unix socket that tunnels `CONNECT` and
 * forwards absolute-form `http:` requests to the declared domains only, after checking every address the name
 * resolves to (no loopback, private, link-local or metadata address unless listed in `allowedAddresses`), and
 * connecting to those checked addresses. Resolves once listening. Throws `CONFIG_INVALID` for a malformed domain or
 * address, or when `socketPath` exists and is not a socket.
 */
export async function createDomainProxy(options: DomainProxyOptions): Promise<DomainProxy> {
  const rules = parseDomainRules(options.allowedDomains);
  const policy = createAddressPolicy(checkedAllowedAddresses(options.allowedAddresses ?? []));
  const tracked = new Set<Duplex>();
  let isClosed = false;
  const context: ProxyContext = {
    rules,
    policy,
    lookup: options.lookup ?? systemLookup,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    track(socket) {
      tracked.add(socket);
      socket.once('close', () => tracked.delete(socket));
      if (isClosed) socket.destroy();
    },
    isClosed: () => isClosed,
    decide(decision) {
      try {
        options.onDecision?.(decision);
      } catch {
        // The caller's logging must not break the proxy.
      }
    },
  };
  const server = createProxyServer(context);
  await prepareSocketPath(options.socketPath);
  await listen(server, options.socketPath);
  // Only this uid (the gateway and the servers it sandboxes) may connect.
  await chmod(options.socketPath, 0o600);
  let closing: Promise<void> | undefined;
  return {
    socketPath: options.socketPath,
    close() {
      closing ??= (async () => {
        isClosed = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        for (const socket of tracked) socket.destroy();
        await closed;
        await rm(options.socketPath, { force: true });
      })();
      return closing;
    },
  };
}

function createProxyServer(context: ProxyContext): Server {
  const server = createServer({
    maxHeaderSize: maxHeaderBytes,
    headersTimeout: headersTimeoutMs,
    // A forwarded upload may take long; the headers timeout alone bounds a client that never finishes its headers.
    requestTimeout: 0,
    noDelay: true,
  });
  server.maxHeadersCount = maxHeaderCount;
  server.on('connect', (request, socket: Duplex, head: Buffer) =>
    handleConnect(context, request, socket, head),
  );
  server.on('request', (request, response) => handleForward(context, request, response));
  server.on('upgrade', (_request, socket: Duplex) =>
    refuseSocket(socket, 400, 'upgrades are not forwarded; tunnel with CONNECT host:port instead'),
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    if (error.code === 'HPE_HEADER_OVERFLOW') {
      return refuseSocket(socket, 431, `request headers exceed ${maxHeaderBytes} bytes`);
    }
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      return refuseSocket(socket, 408, 'the request headers took too long');
    }
    refuseSocket(socket, 400, 'malformed HTTP request');
  });
  return server;
}

function checkedAllowedAddresses(addresses: readonly string[]): string[] {
  return addresses.map((address) => {
    let canonical: string;
    try {
      canonical = canonicalAddress(address);
    } catch {
      throw new AppError(ErrorCode.ConfigInvalid, `allowedAddresses: ${address} is not an IP address`);
    }
    if (metadataAddresses.includes(canonical)) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `allowedAddresses: ${address} is a cloud metadata endpoint, which is never allowed`,
      );
    }
    return canonical;
  });
}

/** Creates the parent directory (0700) if missing and removes a stale socket; anything else there is refused. */
async function prepareSocketPath(socketPath: string): Promise<void> {
  await mkdir(dirname(socketPath), { recursive: true, mode: 0o700 });
  const existing = await lstat(socketPath).catch(() => undefined);
  if (existing === undefined) return;
  if (!existing.isSocket()) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${socketPath} exists and is not a socket; the domain proxy will not replace it: choose another socketPath`,
    );
  }
  await rm(socketPath, { force: true });
}

function listen(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      // Errors of individual connections are handled per socket; keep the listener from ending the process.
      server.on('error', () => undefined);
      resolve();
    });
  });
}
