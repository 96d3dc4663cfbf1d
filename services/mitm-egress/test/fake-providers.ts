// Fake Anthropic and OpenAI upstreams that speak the real wire protocols (Messages API with SSE, chat completions
// and the Responses API, streamed and not) over TLS with a certificate from a test CA. They record what they
// received, so tests can assert which key reached the "provider".
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CertificateAuthority } from '../src/proxy/certificate-authority.js';
import { answerOpenAi } from './fake-openai.js';
import { fakeUsage, json, parse, sse, type FakeScript } from './fake-wire.js';

export { fakeUsage } from './fake-wire.js';
export type { FakeScript } from './fake-wire.js';

/** One request as the fake upstream saw it. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A running fake provider. */
export interface FakeProvider {
  readonly host: string;
  readonly port: number;
  readonly received: ReceivedRequest[];
  readonly script: FakeScript;
  close(): Promise<void>;
}

/** Starts a fake provider for `host` on a loopback port, with a certificate for `host` from `authority`. */
export async function startFakeProvider(
  kind: 'anthropic' | 'openai',
  host: string,
  authority: CertificateAuthority,
): Promise<FakeProvider> {
  const issued = await authority.issue(host);
  const received: ReceivedRequest[] = [];
  const script: FakeScript = { reply: 'Hello from the fake upstream.', chunkDelayMs: 0 };
  const server: Server = createServer(
    { cert: issued.certificatePem, key: issued.keyPem },
    (request, response) => {
      void readBody(request).then((body) => {
        received.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body,
        });
        const handle = kind === 'anthropic' ? answerAnthropic : answerOpenAi;
        return handle(request, response, body, script);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host,
    port: (server.address() as AddressInfo).port,
    received,
    script,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function answerAnthropic(
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
  script: FakeScript,
): Promise<void> {
  const path = (request.url ?? '').split('?')[0];
  const payload = parse(body);
  const model = typeof payload['model'] === 'string' ? payload['model'] : 'claude-fake';
  if (path === '/v1/messages/count_tokens') return json(response, 200, { input_tokens: fakeUsage.input });
  if (path === '/v1/models')
    return json(response, 200, { data: [{ id: model, type: 'model' }], has_more: false });
  if (path !== '/v1/messages')
    return json(response, 404, { type: 'error', error: { type: 'not_found_error' } });
  const id = `msg_fake_${Math.random().toString(36).slice(2)}`;
  const usage = {
    input_tokens: fakeUsage.input,
    output_tokens: fakeUsage.output,
    cache_read_input_tokens: fakeUsage.cacheRead,
    cache_creation_input_tokens: fakeUsage.cacheWrite,
  };
  if (payload['stream'] !== true) {
    return json(response, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text: script.reply }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage,
    });
  }
  const words = script.reply.split(/(?<= )/);
  await sse(
    response,
    [
      [
        'message_start',
        {
          type: 'message_start',
          message: {
            id,
            type: 'message',
            role: 'assistant',
            model,
            content: [],
            stop_reason: null,
            usage: { ...usage, output_tokens: 1 },
          },
        },
      ],
      [
        'content_block_start',
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      ],
      ...words.map((word): [string, unknown] => [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: word } },
      ]),
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      [
        'message_delta',
        {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { output_tokens: fakeUsage.output },
        },
      ],
      ['message_stop', { type: 'message_stop' }],
    ],
    script.chunkDelayMs,
  );
}
