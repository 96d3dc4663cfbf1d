import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { AppError } from '@ironcurtain/errors';
import { FetchErrorCode } from './error-codes.js';
import { userAgent } from './request-headers.js';

/** The proxy every request goes through in proxy mode: IronCurtain's bridge on the sandbox's loopback. */
export interface ProxyEndpoint {
  /** A loopback IP address, IPv6 without brackets. */
  host: string;
  port: number;
  /** `http://host:port`, for messages and logs. */
  url: string;
  /** The environment variables that named it, for messages. */
  variables: readonly string[];
}

// A refusal's body is a short text naming the reason; more is not read, and it is read only briefly.
const maxReasonBytes = 2048;
const reasonGraceMs = 1000;
const maxReasonLength = 500;

/** The authority a CONNECT names for `url`: host and port, IPv6 in brackets, the scheme's port when none is given. */
export function connectAuthority(url: URL): string {
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  return `${url.hostname}:${port}`;
}

/**
 * Opens a tunnel to `authority` through the proxy (`CONNECT host:port`) and returns its socket, ready for TLS or
 * plain HTTP/1.1. The proxy resolves the name and screens the address itself; nothing is resolved here. A refusal
 * (403) becomes DESTINATION_REFUSED carrying the proxy's reason, 504 UPSTREAM_TIMEOUT, any other answer or a proxy
 * that cannot be reached UPSTREAM_FAILED. Aborting `signal` destroys the connection and rejects with its reason.
 */
export function openProxyTunnel(
  proxy: ProxyEndpoint,
  authority: string,
  signal: AbortSignal,
): Promise<Socket> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<Socket>((resolve, reject) => {
    let tunnelSocket: Socket | undefined;
    const connectRequest = httpRequest({
      host: proxy.host,
      port: proxy.port,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, 'user-agent': userAgent },
      agent: false,
    });
    const onAbort = (): void => {
      connectRequest.destroy();
      tunnelSocket?.destroy();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const fail = (error: Error): void => {
      signal.removeEventListener('abort', onAbort);
      tunnelSocket?.destroy();
      reject(error);
    };
    connectRequest.on('connect', (response: IncomingMessage, socket: Socket, head: Buffer) => {
      tunnelSocket = socket;
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        signal.removeEventListener('abort', onAbort);
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
        return;
      }
      void readReason(socket, head, response).then((reason) =>
        fail(proxyAnswerError(authority, status, reason)),
      );
    });
    connectRequest.on('error', (error) => {
      if (!signal.aborted) fail(proxyConnectionError(proxy, authority, error));
    });
    connectRequest.end();
  });
}

// Reads the body of a refusal: up to its Content-Length, the end of the connection, 2 KB or one second, whichever
// comes first. The reason is printable text cut to 500 characters (the proxy's status text when there is no body).
function readReason(socket: Socket, head: Buffer, response: IncomingMessage): Promise<string> {
  const declaredLength = Number(response.headers['content-length'] ?? Number.NaN);
  const expected = Number.isFinite(declaredLength)
    ? Math.min(declaredLength, maxReasonBytes)
    : maxReasonBytes;
  return new Promise<string>((resolve) => {
    const chunks: Buffer[] = [head];
    let total = head.length;
    let isDone = false;
    const finish = (): void => {
      if (isDone) return;
      isDone = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      const text = Buffer.concat(chunks).subarray(0, maxReasonBytes).toString('utf8');
      // Control characters (a CR, LF or escape sequence from the proxy) become spaces: the reason is one line.
      const reason = text.replace(/[\p{Cc}\s]+/gu, ' ').trim();
      resolve((reason === '' ? (response.statusMessage ?? '') : reason).slice(0, maxReasonLength));
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= expected) finish();
    };
    const timer = setTimeout(finish, reasonGraceMs);
    if (total >= expected) return finish();
    socket.on('data', onData);
    socket.once('end', finish);
    socket.once('close', finish);
    socket.once('error', finish);
  });
}

function proxyAnswerError(authority: string, status: number, reason: string): AppError {
  const said = reason === '' ? '' : `: ${reason.replace(/\.$/, '')}`;
  if (status === 403) {
    return new AppError(
      FetchErrorCode.DestinationRefused,
      `Refused by the network proxy: ${authority}${said}. The fetch server's sandbox reaches only public addresses ` +
        'of the domains declared for it; an operator declares more in sandbox.network.allowedDomains of the fetch ' +
        'entry in mcp-servers.json.',
    );
  }
  if (status === 504) {
    return new AppError(
      FetchErrorCode.UpstreamTimeout,
      `The network proxy timed out reaching ${authority} (HTTP 504)${said}. Retry later.`,
      { retryable: true },
    );
  }
  const what = status === 502 ? 'could not reach' : `answered HTTP ${status} to the tunnel request for`;
  return new AppError(FetchErrorCode.UpstreamFailed, `The network proxy ${what} ${authority}${said}.`, {
    retryable: status === 502 || status >= 500,
  });
}

function proxyConnectionError(proxy: ProxyEndpoint, authority: string, error: Error): AppError {
  const code = (error as { code?: unknown }).code;
  const codeText = typeof code === 'string' ? code : error.message;
  const where = `the network proxy at ${proxy.url} (${proxy.variables.join(', ')})`;
  const message =
    code === 'ECONNREFUSED'
      ? `Could not reach ${authority}: ${where} refused the connection (ECONNREFUSED). The sandbox's bridge to the ` +
        'proxy is not running; restarting the session starts a new one.'
      : `Could not reach ${authority}: the tunnel through ${where} failed (${codeText}).`;
  return new AppError(FetchErrorCode.UpstreamFailed, message, { cause: error, retryable: true });
}
