import type { ServerResponse } from 'node:http';
import {
  roughTokens,
  sendJson,
  startEventStream,
  startFakeLlmServer,
  streamPieces,
  type FakeLlmReply,
  type FakeLlmServer,
  type FakeLlmServerOptions,
  type FakeProtocol,
} from './fake-llm-server.js';

type ContentReply = Extract<FakeLlmReply, { text: string } | { toolCalls: unknown }>;
type ContentBlock =
  { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

let messageCounter = 0;

/**
 * A fake Anthropic Messages API (`POST /v1/messages`) on loopback, speaking the real wire format: JSON replies, and
 * server-sent events (`message_start`, `content_block_*`, `message_delta`, `message_stop`) when the request has
 * `stream: true`; errors as `{ type: "error", error: { type, message } }`. Requests without `model`, `max_tokens` or
 * `messages`, or without `anthropic-version`, are refused with 400 as the real API does; with `apiKey`, a missing or
 * wrong `x-api-key` gets 401. Point a client at `url` (e.g. `createAnthropic({ baseURL: url })`).
 */
export function startFakeAnthropic(options: FakeLlmServerOptions): Promise<FakeLlmServer> {
  return startFakeLlmServer(anthropicProtocol, options);
}

const anthropicProtocol: FakeProtocol = {
  path: '/messages',
  rejection(request, apiKey) {
    if (apiKey !== undefined && request.headers['x-api-key'] !== apiKey) {
      return { status: 401, type: 'authentication_error', message: 'invalid x-api-key' };
    }
    if (request.headers['anthropic-version'] === undefined) {
      return { status: 400, type: 'invalid_request_error', message: 'anthropic-version: header is required' };
    }
    const body = request.body;
    if (body === undefined)
      return { status: 400, type: 'invalid_request_error', message: 'body is not JSON' };
    for (const field of ['model', 'max_tokens', 'messages']) {
      if (body[field] === undefined)
        return { status: 400, type: 'invalid_request_error', message: `${field}: Field required` };
    }
    return undefined;
  },
  errorBody: (error) => ({ type: 'error', error: { type: error.type, message: error.message } }),
  writeReply(response, request, reply) {
    messageCounter += 1;
    const id = `msg_fake_${messageCounter}`;
    const content = contentBlocks(reply, id);
    const stopReason = 'toolCalls' in reply ? 'tool_use' : 'end_turn';
    const model = typeof request.body?.model === 'string' ? request.body.model : 'fake-model';
    const inputTokens = roughTokens(JSON.stringify(request.body?.messages ?? ''));
    const outputTokens = roughTokens(JSON.stringify(content));
    if (request.isStreaming) {
      writeStream(response, { id, model, content, stopReason, inputTokens, outputTokens });
      return;
    }
    sendJson(response, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: outputTokens },
    });
  },
};

function contentBlocks(reply: ContentReply, id: string): ContentBlock[] {
  const text: ContentBlock[] = 'text' in reply ? [{ type: 'text', text: reply.text }] : [];
  if (!('toolCalls' in reply)) return text;
  const toolUses = reply.toolCalls.map((call, index): ContentBlock => ({
    type: 'tool_use',
    id: `toolu_${id}_${index}`,
    name: call.name,
    input: call.input,
  }));
  return [...text, ...toolUses];
}

function writeStream(
  response: ServerResponse,
  message: {
    id: string;
    model: string;
    content: ContentBlock[];
    stopReason: string;
    inputTokens: number;
    outputTokens: number;
  },
): void {
  startEventStream(response);
  const send = (event: string, data: unknown): void => {
    response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  send('message_start', {
    type: 'message_start',
    message: {
      id: message.id,
      type: 'message',
      role: 'assistant',
      model: message.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: message.inputTokens, output_tokens: 1 },
    },
  });
  send('ping', { type: 'ping' });
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      send('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'text', text: '' },
      });
      for (const text of streamPieces(block.text)) {
        send('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'text_delta', text },
        });
      }
    } else {
      send('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      for (const partial_json of streamPieces(JSON.stringify(block.input))) {
        send('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json },
        });
      }
    }
    send('content_block_stop', { type: 'content_block_stop', index });
  });
  send('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: message.stopReason, stop_sequence: null },
    usage: { output_tokens: message.outputTokens },
  });
  send('message_stop', { type: 'message_stop' });
  response.end();
}
