import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createBrotliDecompress, createUnzip } from 'node:zlib';
import { AppError } from '@ironcurtain/errors';
import type { Route, TlsTrust } from './egress.js';
import { FetchErrorCode } from './error-codes.js';
import { connectAuthority, openProxyTunnel, type ProxyEndpoint } from './proxy-tunnel.js';

/** One HTTP request, sent over a fresh connection. */
export interface OutgoingRequest {
  url: URL;
  /**
   * How to reach the host: pinned to the checked address, resolved by the system (operator endpoints only), or
   * through the proxy's tunnel. The host name always goes into the Host header, SNI and the certificate check.
   */
  route: Route;
  method: 'GET' | 'POST';
  headers: Readonly<Record<string, string>>;
  body?: string | undefined;
  signal: AbortSignal;
  /** The most body bytes (after decompression) read before the response is cut off with an error. */
  maxBodyBytes: number;
  tls?: TlsTrust | undefined;
}

/** A response with its whole (decompressed) body; redirect responses come back with an empty body. */
export interface IncomingResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** True for the statuses whose Location header http_fetch follows. */
export function isRedirectStatus(status: number): boolean {
  return redirectStatuses.has(status);
}

/**
 * A `lookup` for `http.request` that answers the pinned address whatever name it is asked, so the socket connects to
 * the address the SSRF guard checked and never asks DNS again.
 */
export function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all === true) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/**
 * Sends the request and reads the body under the byte cap. Network failures become UPSTREAM_FAILED AppErrors; a
 * proxy's refusal of the tunnel becomes DESTINATION_REFUSED. The signal also bounds the tunnel and TLS setup.
 */
export async function sendRequest(outgoing: OutgoingRequest): Promise<IncomingResponse> {
  const { route } = outgoing;
  const tunnel = route.kind === 'tunnel' ? await tunnelConnection(outgoing, route.proxy) : undefined;
  return new Promise<IncomingResponse>((resolve, reject) => {
    const send = outgoing.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const clientRequest = send(requestOptions(outgoing, tunnel), (response) => {
      readResponse(response, outgoing).then(resolve, reject);
    });
    clientRequest.on('error', (error) => reject(describeNetworkError(error, outgoing)));
    clientRequest.end(outgoing.body);
  });
}

function requestOptions(outgoing: OutgoingRequest, tunnel: Socket | undefined): RequestOptions {
  const { url, route } = outgoing;
  const hostname = bareHostname(url);
  const isHttps = url.protocol === 'https:';
  const common: RequestOptions = {
    protocol: url.protocol,
    hostname,
    port: url.port === '' ? undefined : Number(url.port),
    // Without an agent Node does not know the scheme's port, and would write it into the Host header.
    defaultPort: isHttps ? 443 : 80,
    path: `${url.pathname}${url.search}`,
    method: outgoing.method,
    headers: outgoing.headers,
    signal: outgoing.signal,
  };
  // The tunnel is the connection (TLS already runs inside it); Node uses createConnection only without an agent.
  if (tunnel !== undefined) return { ...common, createConnection: () => tunnel };
  return {
    ...common,
    // A fresh connection per request: a pooled socket could outlive the check that allowed it.
    agent: false,
    ...(route.kind === 'pinned' ? { lookup: pinnedLookup(route.address, route.family) } : {}),
    ...(isHttps ? tlsOptions(hostname, outgoing.tls) : {}),
  };
}

// SNI for names only (an IP literal cannot be one); certificates are checked whatever the environment says.
function tlsOptions(hostname: string, trust: TlsTrust | undefined) {
  return {
    rejectUnauthorized: true,
    ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
    ...(trust?.ca === undefined ? {} : { ca: trust.ca }),
  };
}

function bareHostname(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

// The CONNECT tunnel, with TLS inside it for https: SNI and the certificate check use the URL's host name, exactly
// as on a direct connection. The handshake completes here, so the signal bounds it and its errors read the same.
async function tunnelConnection(outgoing: OutgoingRequest, proxy: ProxyEndpoint): Promise<Socket> {
  const { url, signal } = outgoing;
  const socket = await openProxyTunnel(proxy, connectAuthority(url), signal);
  if (url.protocol !== 'https:') return socket;
  try {
    return await startTls(socket, bareHostname(url), outgoing.tls, signal);
  } catch (error) {
    throw describeNetworkError(error, outgoing);
  }
}

function startTls(
  socket: Socket,
  hostname: string,
  trust: TlsTrust | undefined,
  signal: AbortSignal,
): Promise<TLSSocket> {
  return new Promise<TLSSocket>((resolve, reject) => {
    const tlsSocket = tlsConnect({ socket, host: hostname, ...tlsOptions(hostname, trust) });
    const onAbort = (): void => {
      tlsSocket.destroy();
      reject(signal.reason as Error);
    };
    const onError = (error: Error): void => {
      signal.removeEventListener('abort', onAbort);
      tlsSocket.destroy();
      reject(error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    tlsSocket.once('error', onError);
    tlsSocket.once('secureConnect', () => {
      signal.removeEventListener('abort', onAbort);
      tlsSocket.removeListener('error', onError);
      resolve(tlsSocket);
    });
  });
}

async function readResponse(response: IncomingMessage, outgoing: OutgoingRequest): Promise<IncomingResponse> {
  const status = response.statusCode ?? 0;
  const head = { status, statusText: response.statusMessage ?? '', headers: response.headers };
  if (isRedirectStatus(status)) {
    response.destroy();
    return { ...head, body: Buffer.alloc(0) };
  }
  const declaredLength = Number(response.headers['content-length'] ?? 0);
  if (declaredLength > outgoing.maxBodyBytes) {
    response.destroy();
    throw tooLarge(outgoing.maxBodyBytes);
  }
  const decompressor = decompressorFor(response.headers['content-encoding'], response);
  const chunks: Buffer[] = [];
  let total = 0;
  const collect = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      total += chunk.length;
      if (total > outgoing.maxBodyBytes) throw tooLarge(outgoing.maxBodyBytes);
      chunks.push(chunk);
    }
  };
  try {
    if (decompressor === undefined) await pipeline(response, collect, { signal: outgoing.signal });
    else await pipeline(response, decompressor, collect, { signal: outgoing.signal });
  } catch (error) {
    throw error instanceof AppError ? error : describeNetworkError(error, outgoing);
  }
  return { ...head, body: Buffer.concat(chunks) };
}

function decompressorFor(encoding: string | undefined, response: IncomingMessage): Transform | undefined {
  const name = (encoding ?? 'identity').trim().toLowerCase();
  if (name === 'identity' || name === '') return undefined;
  if (name === 'gzip' || name === 'x-gzip' || name === 'deflate') return createUnzip();
  if (name === 'br') return createBrotliDecompress();
  response.destroy();
  throw new AppError(
    FetchErrorCode.UpstreamFailed,
    `The server answered with Content-Encoding "${name}", which http_fetch cannot decode (it asks for gzip, deflate or br).`,
  );
}

function tooLarge(limit: number): AppError {
  const megabytes = Math.round((limit / 1024 / 1024) * 10) / 10;
  return new AppError(
    FetchErrorCode.ResponseTooLarge,
    `The response body is larger than ${megabytes} MB (${limit} bytes), the fetch server's limit; the download was ` +
      'aborted. Fetch a smaller resource or a more specific URL.',
  );
}

const certificateCodes = /^(CERT_|ERR_TLS_CERT|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY))/;

function describeNetworkError(error: unknown, outgoing: OutgoingRequest): Error {
  if (outgoing.signal.aborted) return outgoing.signal.reason as Error;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const where = outgoing.url.host;
  const codeText = typeof code === 'string' ? code : 'network error';
  const message = certificateCodes.test(codeText)
    ? `The TLS certificate of ${where} could not be verified (${codeText}); http_fetch does not skip certificate checks.`
    : codeText === 'ECONNREFUSED'
      ? `${where} refused the connection (ECONNREFUSED).`
      : codeText.startsWith('HPE_')
        ? `${where} sent a malformed HTTP response (${codeText}).`
        : `The request to ${where} failed (${codeText}).`;
  return new AppError(FetchErrorCode.UpstreamFailed, message, { cause: error, retryable: true });
}
