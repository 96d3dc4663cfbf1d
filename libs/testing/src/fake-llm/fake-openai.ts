import type { ServerResponse } from 'node:http';
import {
  roughTokens,
  sendJson,
  startEventStream,
  startFakeLlmServer,
  streamPieces,
  type FakeLlmReply,
  type FakeLlmRequest,
  type FakeLlmServer,
  type FakeLlmServerOptions,
  type FakeProtocol,
} from './fake-llm-server.js';

type ContentReply = Extract<FakeLlmReply, { text: string } | { toolCalls: unknown }>;
type ToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

let completionCounter = 0;

/**
 * A fake OpenAI Chat Completions API (`POST /v1/chat/completions`) on loopback, speaking the real wire format:
 * `chat.completion` JSON, or `chat.completion.chunk` server-sent events ending in `data: [DONE]` when the request has
 * `stream: true` (with a usage chunk when `stream_options.include_usage` is set). Text replies answer JSON and
 * structured-output requests (`response_format`) alike: the script supplies the JSON text. Errors are
 * `{ error: { message, type, param, code } }`; with `apiKey`, a missing or wrong `Authorization: Bearer` gets 401.
 */
export function startFakeOpenAI(options: FakeLlmServerOptions): Promise<FakeLlmServer> {
  return startFakeLlmServer(openAiProtocol, options);
}

/**
 * What OpenAI's APIs (chat completions, Responses) refuse before looking further: a wrong or missing key (401 when
 * the fake has one), a body that is not JSON, and a missing required field (400), with OpenAI's own messages.
 */
export function openAiRejection(
  request: FakeLlmRequest,
  apiKey: string | undefined,
  requiredFields: readonly string[],
): ReturnType<FakeProtocol['rejection']> {
  if (apiKey !== undefined && request.headers['authorization'] !== `Bearer ${apiKey}`) {
    return { status: 401, type: 'invalid_request_error', message: 'Incorrect API key provided.' };
  }
  const body = request.body;
  if (body === undefined) return { status: 400, type: 'invalid_request_error', message: 'body is not JSON' };
  for (const field of requiredFields) {
    if (body[field] === undefined)
      return {
        status: 400,
        type: 'invalid_request_error',
        message: `Missing required parameter: '${field}'.`,
      };
  }
  return undefined;
}

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
export const openAiErrorBody: FakeProtocol['errorBody'] = (error) => ({
  error: { message: error.message, type: error.type, param: null, code: null },
});

const openAiProtocol: FakeProtocol = {
  path: '/chat/completions',
  rejection: (request, apiKey) => openAiRejection(request, apiKey, ['model', 'messages']),
  errorBody: openAiErrorBody,
  writeReply(response, request, reply) {
    completionCounter += 1;
    const id = `chatcmpl-fake${completionCounter}`;
    const model = typeof request.body?.model === 'string' ? request.body.model : 'fake-model';
    const created = Math.floor(Date.now() / 1000);
    const text = 'text' in reply ? reply.text : null;
    const toolCalls = toolCallsOf(reply, id);
    const finishReason = toolCalls === undefined ? 'stop' : 'tool_calls';
    const usage = usageOf(request.body?.messages, text ?? JSON.stringify(toolCalls));
    if (request.isStreaming) {
      const options = request.body?.['stream_options'] as { include_usage?: unknown } | undefined;
      const withUsage = options?.include_usage === true;
      writeStream(response, {
        id,
        model,
        created,
        text,
        toolCalls,
        finishReason,
        usage: withUsage ? usage : undefined,
      });
      return;
    }
    sendJson(response, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: text,
            refusal: null,
            ...(toolCalls === undefined ? {} : { tool_calls: toolCalls }),
          },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage,
    });
  },
};

function toolCallsOf(reply: ContentReply, id: string): ToolCall[] | undefined {
  if (!('toolCalls' in reply)) return undefined;
  return reply.toolCalls.map((call, index) => ({
    id: `call_${id}_${index}`,
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.input) },
  }));
}

function usageOf(messages: unknown, output: string) {
  const prompt = roughTokens(JSON.stringify(messages ?? ''));
  const completion = roughTokens(output);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function writeStream(
  response: ServerResponse,
  completion: {
    id: string;
    model: string;
    created: number;
    text: string | null;
    toolCalls: ToolCall[] | undefined;
    finishReason: string;
    usage: ReturnType<typeof usageOf> | undefined;
  },
): void {
  startEventStream(response);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): void => {
    const data = {
      id: completion.id,
      object: 'chat.completion.chunk',
      created: completion.created,
      model: completion.model,
      choices,
      ...extra,
    };
    response.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  const delta = (value: unknown, finishReason: string | null = null) =>
    chunk([{ index: 0, delta: value, logprobs: null, finish_reason: finishReason }]);
  delta({ role: 'assistant', content: '', refusal: null });
  if (completion.text !== null) {
    for (const content of streamPieces(completion.text)) delta({ content });
  }
  completion.toolCalls?.forEach((call, index) => {
    delta({
      tool_calls: [
        { index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
      ],
    });
    for (const piece of streamPieces(call.function.arguments)) {
      delta({ tool_calls: [{ index, function: { arguments: piece } }] });
    }
  });
  delta({}, completion.finishReason);
  if (completion.usage !== undefined) chunk([], { usage: completion.usage });
  response.write('data: [DONE]\n\n');
  response.end();
}
