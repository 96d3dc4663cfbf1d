import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { clientResponseHeaders } from '../domain/forward-headers.js';
import type { UsageFormat } from '../domain/providers.js';
import { createUsageTap, type TokenUsage } from '../domain/usage-tap.js';
import { destinationRefusedCode, type Upstream, type UpstreamTarget } from './upstream.js';

/** What one exchange reports for the audit trail (`egress.evt.request.v1`). */
export interface RequestReport {
  sessionId?: string | undefined;
  host: string;
  method: string;
  path: string;
  status: number;
  bytes: number;
  decision: 'allow' | 'deny';
  reason?: string;
  provider?: string;
  requestBytes?: number;
  mode: 'forward' | 'reverse';
  durationMs: number;
}

/** Where exchanges report to: the service turns these into bus events. */
export interface ExchangeReporter {
  request(report: RequestReport): void;
  usage(sessionId: string, provider: string, usage: TokenUsage): void;
}

/** Reports the outcome of one request; the caller fills in host, method, path, provider, mode and duration. */
export type ReportOutcome = (
  outcome: Omit<RequestReport, 'host' | 'method' | 'path' | 'provider' | 'mode' | 'durationMs'>,
) => void;

/** What a relay needs. */
export interface RelayDependencies {
  upstream: Upstream;
  reporter: ExchangeReporter;
}

/** One checked request, ready to go upstream. */
export interface RelayOptions {
  target: UpstreamTarget;
  /** Path and query as the upstream gets them. */
  path: string;
  headers: OutgoingHttpHeaders;
  sessionId: string;
  /** Read the token usage from the response body and report it under this provider. */
  usage?: { provider: string; format: UsageFormat } | undefined;
}

/** The request side as both HTTP/1.1 and the HTTP/2 compatibility API present it. */
export type AgentRequest = Readable & { method?: string | undefined; headers: IncomingHttpHeaders };

/** The response side as both HTTP/1.1 and the HTTP/2 compatibility API present it. */
export interface AgentResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers: OutgoingHttpHeaders): unknown;
  write(chunk: Buffer): boolean;
  end(): unknown;
  end(chunk: string): unknown;
  once(event: 'drain', listener: () => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  destroy?(error?: Error): unknown;
  stream?: { close(code?: number): void };
}

/**
 * Sends the request upstream and streams the response back chunk by chunk (each chunk is written the moment it
 * arrives) while a tap reads the token usage; reports the outcome once, whatever happens.
 */
export function relay(
  dependencies: RelayDependencies,
  request: AgentRequest,
  response: AgentResponse,
  options: RelayOptions,
  report: ReportOutcome,
): void {
  const { target, sessionId } = options;
  let upstreamRequest;
  try {
    upstreamRequest = dependencies.upstream.request(target, {
      method: request.method ?? 'GET',
      path: options.path,
      headers: options.headers,
    });
  } catch (error) {
    sendRefusal(response, 403, (error as Error).message);
    return report({ sessionId, status: 403, bytes: 0, decision: 'deny', reason: (error as Error).message });
  }
  let requestBytes = 0;
  let responseBytes = 0;
  let isDone = false;
  const done = (outcome: { status: number; decision: 'allow' | 'deny'; reason?: string }): void => {
    if (isDone) return;
    isDone = true;
    report({ sessionId, ...outcome, bytes: responseBytes, requestBytes });
  };
  request.on('data', (chunk: Buffer) => (requestBytes += chunk.length));
  request.pipe(upstreamRequest);
  upstreamRequest.on('error', (error: NodeJS.ErrnoException) => {
    const isRefused = error.code === destinationRefusedCode;
    const reason = isRefused
      ? error.message
      : `upstream ${target.host} failed: ${error.code ?? error.message}`;
    if (response.headersSent) abort(response);
    else sendRefusal(response, isRefused ? 403 : 502, reason);
    done({ status: isRefused ? 403 : 502, decision: isRefused ? 'deny' : 'allow', reason });
  });
  upstreamRequest.on('response', (upstreamResponse: IncomingMessage) => {
    const status = upstreamResponse.statusCode ?? 502;
    const tap =
      status < 300 && options.usage !== undefined
        ? createUsageTap(options.usage.format, upstreamResponse.headers['content-type'])
        : undefined;
    response.writeHead(status, clientResponseHeaders(upstreamResponse.headers));
    upstreamResponse.on('data', (chunk: Buffer) => {
      responseBytes += chunk.length;
      tap?.push(chunk);
      if (!response.write(chunk)) {
        upstreamResponse.pause();
        response.once('drain', () => upstreamResponse.resume());
      }
    });
    upstreamResponse.on('end', () => {
      response.end();
      done({ status, decision: 'allow' });
      const usage = tap?.finish();
      if (usage !== undefined && options.usage !== undefined) {
        dependencies.reporter.usage(sessionId, options.usage.provider, usage);
      }
    });
    upstreamResponse.on('error', () => abort(response));
  });
  // The agent went away (or the stream was reset): stop the upstream call so it stops spending tokens.
  response.on('close', () => {
    if (isDone) return;
    upstreamRequest.destroy();
    done({ status: 499, decision: 'allow', reason: 'the agent closed the connection' });
  });
}

/** Refuses with a JSON body readable as both an Anthropic and an OpenAI error; the reason names the fix. */
export function sendRefusal(response: AgentResponse, status: number, reason: string): void {
  if (response.headersSent) return void abort(response);
  const body = JSON.stringify({
    type: 'error',
    error: { type: 'egress_denied', message: `mitm-egress: ${reason}` },
  });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

function abort(response: AgentResponse): void {
  if (response.stream !== undefined) response.stream.close(2);
  else response.destroy?.();
}

/** Milliseconds since `started` (performance.now()), to the microsecond. */
export function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
