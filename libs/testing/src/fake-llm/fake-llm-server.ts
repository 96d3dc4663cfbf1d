import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** One request a fake provider received, as the client sent it. */
export interface FakeLlmRequest {
  readonly method: string;
  readonly path: string;
  /** The query string as sent, with its `?` (empty when there is none), e.g. Gemini's `?alt=sse`. */
  readonly query?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body (undefined when it was not JSON). */
  readonly body: FakeLlmRequestBody | undefined;
  /** `stream: true` in the body (or, for Gemini, a `:streamGenerateContent` path). */
  readonly isStreaming: boolean;
}

/** The parts of a Messages / Chat Completions request body that scripts usually look at; the rest stays as sent. */
export interface FakeLlmRequestBody {
  model?: unknown;
  messages?: unknown;
  system?: unknown;
  stream?: unknown;
  [key: string]: unknown;
}

/**
 * What the scripted model answers: text (for JSON output modes, the JSON text), tool calls, text then tool calls (the
 * model says what it will do; Anthropic and OpenAI chat fakes), a provider error with an HTTP status, or raw bytes to
 * test how clients cope with a broken wire.
 */
export type FakeLlmReply =
  | { text: string }
  | { toolCalls: ReadonlyArray<{ name: string; input: unknown }> }
  | { text: string; toolCalls: ReadonlyArray<{ name: string; input: unknown }> }
  | { error: { status: number; message: string; type?: string } }
  | { raw: { status: number; body: string; contentType?: string } };

/** Decides the reply to one request; may be async (e.g. to hold a reply). */
export type FakeLlmRespond = (request: FakeLlmRequest) => FakeLlmReply | Promise<FakeLlmReply>;

/** Options of a fake provider server. */
export interface FakeLlmServerOptions {
  respond: FakeLlmRespond;
  /** When set, requests must carry this key the provider's way, else 401 as the real API answers. */
  apiKey?: string;
  /** Serve HTTPS with this certificate (PEM), as the real API does: for clients and proxies that verify TLS. */
  tls?: { key: string; cert: string };
  /**
   * The path the API is served under instead of the protocol's own (`/v1`; Gemini `/v1beta`), e.g. `/api/v1` for
   * an OpenRouter-style OpenAI-compatible gateway. `url` ends in it.
   */
  basePath?: string;
}

/** A fake provider on loopback. `url` is the base URL to configure (it ends in `/v1`, or the base path chosen). */
export interface FakeLlmServer extends AsyncDisposable {
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: FakeLlmRequest[];
  close(): Promise<void>;
}

/** How one provider's protocol turns requests into responses, for {@link startFakeLlmServer}. */
export interface FakeProtocol {
  /** The API path served under the base path, e.g. `/messages`. */
  path: string;
  /** The base path, `/v1` when absent. */
  basePath?: string;
  /** Whether `POST <path>` is served, for APIs whose paths carry the model (Gemini); default: the base path + `path`. */
  isServed?(method: string, path: string): boolean;
  /** Whether the request asks for a stream; default: `stream: true` in the body. */
  isStreaming?(request: Omit<FakeLlmRequest, 'isStreaming'>): boolean;
  /** Why the request is refused (status and provider error), or undefined when it is acceptable. */
  rejection(
    request: FakeLlmRequest,
    apiKey: string | undefined,
  ): { status: number; message: string; type: string } | undefined;
  /** The provider's error body; `status` is the HTTP status it is sent with. */
  errorBody(error: { message: string; type: string; status?: number }): unknown;
  writeReply(
    response: ServerResponse,
    request: FakeLlmRequest,
    reply: Exclude<FakeLlmReply, { error: unknown } | { raw: unknown }>,
  ): void;
}

/** Serves one provider protocol on 127.0.0.1 and a free port. */
export async function startFakeLlmServer(
  protocol: FakeProtocol,
  options: FakeLlmServerOptions,
): Promise<FakeLlmServer> {
  const requests: FakeLlmRequest[] = [];
  const listener = (incoming: IncomingMessage, response: ServerResponse): void => {
    void handle(protocol, options, requests, incoming, response).catch((error: unknown) => {
      if (!response.headersSent)
        sendJson(
          response,
          500,
          protocol.errorBody({ message: String(error), type: 'api_error', status: 500 }),
        );
      else response.destroy();
    });
  };
  const server = options.tls === undefined ? createServer(listener) : createTlsServer(options.tls, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const basePath = options.basePath ?? protocol.basePath ?? '/v1';
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}${basePath}`,
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function handle(
  protocol: FakeProtocol,
  options: FakeLlmServerOptions,
  requests: FakeLlmRequest[],
  incoming: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const text = await readBody(incoming);
  const body = parseBody(text);
  const url = new URL(incoming.url ?? '/', 'http://fake');
  const received = {
    method: incoming.method ?? 'GET',
    path: url.pathname,
    query: url.search,
    headers: incoming.headers,
    body,
  };
  const request: FakeLlmRequest = {
    ...received,
    isStreaming: protocol.isStreaming?.(received) ?? body?.stream === true,
  };
  requests.push(request);
  const basePath = options.basePath ?? protocol.basePath ?? '/v1';
  const isServed =
    protocol.isServed?.(request.method, request.path) ??
    (request.method === 'POST' && request.path === `${basePath}${protocol.path}`);
  if (!isServed) {
    const message = `no route for ${request.method} ${request.path}`;
    sendJson(response, 404, protocol.errorBody({ message, type: 'not_found_error', status: 404 }));
    return;
  }
  const rejection = protocol.rejection(request, options.apiKey);
  if (rejection !== undefined) {
    sendJson(response, rejection.status, protocol.errorBody(rejection));
    return;
  }
  const reply = await options.respond(request);
  if ('error' in reply) {
    const type = reply.error.type ?? 'api_error';
    const error = { message: reply.error.message, type, status: reply.error.status };
    sendJson(response, reply.error.status, protocol.errorBody(error));
  } else if ('raw' in reply) {
    response.writeHead(reply.raw.status, { 'content-type': reply.raw.contentType ?? 'application/json' });
    response.end(reply.raw.body);
  } else {
    protocol.writeReply(response, request, reply);
  }
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    incoming.on('error', reject);
  });
}

function parseBody(text: string): FakeLlmRequestBody | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as FakeLlmRequestBody)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a JSON response. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Starts a server-sent event stream. */
export function startEventStream(response: ServerResponse): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
}

/** Splits text into small pieces, the way a model streams tokens. */
export function streamPieces(text: string, size = 12): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces.length === 0 ? [''] : pieces;
}

/** A rough token count (≈4 characters a token), for usage fields. */
export function roughTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/**
 * All the text a request carries (system prompt and every message's text parts), joined by newlines: what a
 * scripted model "reads" to decide its answer.
 */
export function fakeRequestText(request: FakeLlmRequest): string {
  const parts: string[] = [];
  collectText(request.body?.system, parts);
  collectText(request.body?.messages, parts);
  return parts.join('\n');
}

function collectText(value: unknown, parts: string[]): void {
  if (typeof value === 'string') {
    parts.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectText(item, parts);
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (typeof record['text'] === 'string') parts.push(record['text']);
    else if (record['content'] !== undefined) collectText(record['content'], parts);
  }
}
