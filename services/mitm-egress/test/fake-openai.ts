// The fake OpenAI upstream: chat completions (streamed with include_usage, and not) and the Responses API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fakeUsage, json, parse, sse, type FakeScript } from './fake-wire.js';

export async function answerOpenAi(
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
  script: FakeScript,
): Promise<void> {
  const path = (request.url ?? '').split('?')[0];
  const payload = parse(body);
  const model = typeof payload['model'] === 'string' ? payload['model'] : 'gpt-fake';
  const created = Math.floor(Date.now() / 1000);
  if (path === '/v1/models')
    return json(response, 200, { object: 'list', data: [{ id: model, object: 'model' }] });
  if (path === '/v1/chat/completions') {
    const usage = {
      prompt_tokens: fakeUsage.input,
      completion_tokens: fakeUsage.output,
      total_tokens: fakeUsage.input + fakeUsage.output,
      prompt_tokens_details: { cached_tokens: fakeUsage.cacheRead },
    };
    if (payload['stream'] !== true) {
      return json(response, 200, {
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: script.reply }, finish_reason: 'stop' }],
        usage,
      });
    }
    const chunk = (delta: unknown, finish: string | null, withUsage: unknown = null) => ({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created,
      model,
      choices: delta === undefined ? [] : [{ index: 0, delta, finish_reason: finish }],
      usage: withUsage,
    });
    return sse(
      response,
      [
        [undefined, chunk({ role: 'assistant', content: '' }, null)],
        ...script.reply
          .split(/(?<= )/)
          .map((word): [undefined, unknown] => [undefined, chunk({ content: word }, null)]),
        [undefined, chunk({}, 'stop')],
        [undefined, chunk(undefined, null, usage)],
        [undefined, '[DONE]'],
      ],
      script.chunkDelayMs,
    );
  }
  if (path === '/v1/responses') return answerResponses(response, payload, model, created, script);
  return json(response, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
}

async function answerResponses(
  response: ServerResponse,
  payload: Record<string, unknown>,
  model: string,
  created: number,
  script: FakeScript,
): Promise<void> {
  const usage = {
    input_tokens: fakeUsage.input,
    output_tokens: fakeUsage.output,
    total_tokens: fakeUsage.input + fakeUsage.output,
    input_tokens_details: { cached_tokens: fakeUsage.cacheRead },
    output_tokens_details: { reasoning_tokens: 0 },
  };
  const item = {
    id: 'msg_fake',
    type: 'message',
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text: script.reply, annotations: [] }],
  };
  const done = {
    id: 'resp_fake',
    object: 'response',
    created_at: created,
    status: 'completed',
    model,
    output: [item],
    usage,
  };
  if (payload['stream'] !== true) return json(response, 200, done);
  const inProgress = { ...done, status: 'in_progress', output: [], usage: null };
  let sequence = 0;
  const event = (type: string, rest: Record<string, unknown>): [string, unknown] => [
    type,
    { type, sequence_number: sequence++, ...rest },
  ];
  return sse(
    response,
    [
      event('response.created', { response: inProgress }),
      event('response.output_item.added', {
        output_index: 0,
        item: { ...item, status: 'in_progress', content: [] },
      }),
      ...script.reply.split(/(?<= )/).map((word) =>
        event('response.output_text.delta', {
          item_id: 'msg_fake',
          output_index: 0,
          content_index: 0,
          delta: word,
        }),
      ),
      event('response.output_item.done', { output_index: 0, item }),
      event('response.completed', { response: done }),
    ],
    script.chunkDelayMs,
  );
}
