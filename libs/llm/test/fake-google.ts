// A minimal fake of the Gemini API (`POST /v1beta/models/{model}:generateContent` and
// `:streamGenerateContent?alt=sse`) on loopback, speaking the wire format @ai-sdk/google reads. @ironcurtain/testing
// has no Google fake yet; this one covers what these tests need: text and function-call replies, the key check.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGoogleRequest {
  readonly path: string;
  readonly query: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
}

export type FakeGoogleReply = { text: string } | { functionCall: { name: string; args: unknown } };

export interface FakeGoogle {
  readonly url: string;
  readonly requests: FakeGoogleRequest[];
  close(): Promise<void>;
}

export async function startFakeGoogle(options: {
  apiKey: string;
  respond: (request: FakeGoogleRequest) => FakeGoogleReply;
}): Promise<FakeGoogle> {
  const requests: FakeGoogleRequest[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://fake');
      const request: FakeGoogleRequest = {
        path: url.pathname,
        query: url.search,
        headers: incoming.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
      };
      requests.push(request);
      if (incoming.headers['x-goog-api-key'] !== options.apiKey) {
        const error = { error: { code: 400, message: 'API key not valid.', status: 'INVALID_ARGUMENT' } };
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(JSON.stringify(error));
        return;
      }
      const reply = options.respond(request);
      const part = 'text' in reply ? { text: reply.text } : { functionCall: reply.functionCall };
      const body = {
        candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 11, candidatesTokenCount: 7, totalTokenCount: 18 },
        modelVersion: 'gemini-fake',
      };
      if (url.pathname.endsWith(':streamGenerateContent')) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end(`data: ${JSON.stringify(body)}\n\n`);
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1beta`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
