import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createUnzip } from 'node:zlib';
import { AppError } from '@ironcurtain/errors';
import { FetchErrorCode } from './error-codes.js';

/** Certificates to trust instead of the system's roots. Only tests set it (their servers use self-signed certs). */
export interface TlsTrust {
  ca?: string | string[];
}

/** One HTTP request, sent over a fresh connection. */
export interface OutgoingRequest {
  url: URL;
  /**
   * The address to connect to instead of resolving the URL's host. The host name still goes into the Host header,
   * SNI and the certificate check. Undefined resolves normally: only for endpoints the operator configured.
   */
  pinnedAddress?: { address: string; family: 4 | 6 } | undefined;
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

/** Sends the request and reads the body under the byte cap. Network failures become UPSTREAM_FAILED AppErrors. */
export function sendRequest(outgoing: OutgoingRequest): Promise<IncomingResponse> {
  return new Promise<IncomingResponse>((resolve, reject) => {
    const send = outgoing.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const clientRequest = send(requestOptions(outgoing), (response) => {
      readResponse(response, outgoing).then(resolve, reject);
    });
    clientRequest.on('error', (error) => reject(describeNetworkError(error, outgoing)));
    clientRequest.end(outgoing.body);
  });
}

function requestOptions(outgoing: OutgoingRequest): RequestOptions {
  const { url, pinnedAddress } = outgoing;
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    protocol: url.protocol,
    hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method: outgoing.method,
    headers: outgoing.headers,
    signal: outgoing.signal,
    // A fresh connection per request: a pooled socket could outlive the check that allowed it.
    agent: false,
    ...(pinnedAddress === undefined
      ? {}
      : { lookup: pinnedLookup(pinnedAddress.address, pinnedAddress.family) }),
    ...(url.protocol === 'https:' && isIP(hostname) === 0 ? { servername: hostname } : {}),
    ...(outgoing.tls?.ca === undefined ? {} : { ca: outgoing.tls.ca }),
  };
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
