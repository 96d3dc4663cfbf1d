import type { ServerResponse } from 'node:http';
import { openAiErrorBody, openAiRejection } from './fake-openai.js';
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
type MessageItem = {
  id: string;
  type: 'message';
  status: 'completed';
  role: 'assistant';
  content: Array<{ type: 'output_text'; text: string; annotations: [] }>;
};
type FunctionCallItem = {
  id: string;
  type: 'function_call';
  status: 'completed';
  call_id: string;
  name: string;
  namespace?: string;
  arguments: string;
};
type ToolSearchCallItem = {
  id: string;
  type: 'tool_search_call';
  status: 'completed';
  call_id: string;
  execution: 'client';
  arguments: unknown;
};
type CustomToolCallItem = {
  id: string;
  type: 'custom_tool_call';
  status: 'completed';
  call_id: string;
  name: string;
  namespace?: string;
  input: string;
};
/** How the request offers a tool the script calls by name: a function or a custom tool, maybe in a namespace. */
type OfferedTool = { kind: 'function' | 'custom'; namespace?: string };
type OutputItem = MessageItem | FunctionCallItem | ToolSearchCallItem | CustomToolCallItem;

let responseCounter = 0;

/**
 * A fake OpenAI Responses API (`POST /v1/responses`) on loopback, speaking the real wire format: a `response` object
 * as JSON, or, with `stream: true`, named server-sent events (`response.created`, `response.in_progress`,
 * `response.output_item.added`, `response.content_part.added`, `response.output_text.delta`/`.done`,
 * `response.content_part.done`, `response.function_call_arguments.delta`/`.done`, `response.output_item.done`,
 * `response.completed`), each with its `sequence_number`. Tool calls are `function_call` output items with a
 * `call_id`; a call of a `custom` (freeform) tool is a `custom_tool_call` whose `input` is the scripted input (a
 * string, else its JSON); a call of a tool offered inside a `namespace` (in `tools`, or in an `additional_tools` or
 * `tool_search_output` input item) carries that `namespace`; and a call named `tool_search` when the request offers
 * a client-executed `tool_search` tool is a `tool_search_call` whose `arguments` are the scripted input. Errors are
 * `{ error: { message, type, param, code } }`; a request without `model` gets 400, and with `apiKey`, a missing or
 * wrong `Authorization: Bearer` gets 401.
 */
export function startFakeOpenAIResponses(options: FakeLlmServerOptions): Promise<FakeLlmServer> {
  return startFakeLlmServer(responsesProtocol, options);
}

/**
 * The text a Responses API request carries (its `instructions`, the text of every `input` message, and the
 * `output` of every `function_call_output` and `custom_tool_call_output` item), joined by newlines: what a scripted
 * model "reads", tool results included.
 */
export function responsesRequestText(request: FakeLlmRequest): string {
  const parts: string[] = [];
  const instructions = request.body?.['instructions'];
  if (typeof instructions === 'string') parts.push(instructions);
  const input = request.body?.['input'];
  if (typeof input === 'string') parts.push(input);
  if (Array.isArray(input)) {
    for (const item of input as unknown[]) collectItemText(item, parts);
  }
  return parts.join('\n');
}

function collectItemText(item: unknown, parts: string[]): void {
  if (typeof item !== 'object' || item === null) return;
  const record = item as Record<string, unknown>;
  const isToolOutput =
    record['type'] === 'function_call_output' || record['type'] === 'custom_tool_call_output';
  const content = isToolOutput ? record['output'] : record['content'];
  if (typeof content === 'string') {
    parts.push(content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (const part of content as unknown[]) {
    const text =
      typeof part === 'object' && part !== null ? (part as Record<string, unknown>)['text'] : undefined;
    if (typeof text === 'string') parts.push(text);
  }
}

const responsesProtocol: FakeProtocol = {
  path: '/responses',
  rejection: (request, apiKey) => openAiRejection(request, apiKey, ['model']),
  errorBody: openAiErrorBody,
  writeReply(response, request, reply) {
    responseCounter += 1;
    const id = `resp_fake${responseCounter}`;
    const output = outputItems(reply, id, request);
    const inputTokens = roughTokens(JSON.stringify(request.body?.['input'] ?? ''));
    const outputTokens = roughTokens(JSON.stringify(output));
    const completed = {
      id,
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      status: 'completed',
      error: null,
      incomplete_details: null,
      instructions: request.body?.['instructions'] ?? null,
      metadata: {},
      model: typeof request.body?.model === 'string' ? request.body.model : 'fake-model',
      output,
      parallel_tool_calls: true,
      tool_choice: request.body?.['tool_choice'] ?? 'auto',
      tools: request.body?.['tools'] ?? [],
      temperature: null,
      top_p: null,
      usage: {
        input_tokens: inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: outputTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: inputTokens + outputTokens,
      },
    };
    if (request.isStreaming) writeStream(response, completed);
    else sendJson(response, 200, completed);
  },
};

function outputItems(reply: ContentReply, id: string, request: FakeLlmRequest): OutputItem[] {
  if ('text' in reply) {
    return [
      {
        id: `msg_${id}`,
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: reply.text, annotations: [] }],
      },
    ];
  }
  const offered = offeredTools(request);
  return reply.toolCalls.map((call, index): OutputItem => {
    const [itemSuffix, callId] = [`${id}_${index}`, `call_${id}_${index}`];
    if (call.name === 'tool_search' && offered.hasClientToolSearch) {
      const fields = {
        status: 'completed',
        call_id: callId,
        execution: 'client',
        arguments: call.input,
      } as const;
      return { id: `tsc_${itemSuffix}`, type: 'tool_search_call', ...fields };
    }
    const tool = offered.byName.get(call.name);
    const namespace = tool?.namespace === undefined ? {} : { namespace: tool.namespace };
    const common = { status: 'completed', call_id: callId, name: call.name, ...namespace } as const;
    if (tool?.kind === 'custom') {
      const input = typeof call.input === 'string' ? call.input : JSON.stringify(call.input);
      return { id: `ctc_${itemSuffix}`, type: 'custom_tool_call', ...common, input };
    }
    return {
      id: `fc_${itemSuffix}`,
      type: 'function_call',
      ...common,
      arguments: JSON.stringify(call.input),
    };
  });
}

/**
 * What the request lets the model call: its `tools`, the tools of `additional_tools` and `tool_search_output` input
 * items, and the members of every namespace among them. A tool offered outside a namespace wins over a namespaced
 * one of the same name.
 */
function offeredTools(request: FakeLlmRequest): {
  hasClientToolSearch: boolean;
  byName: Map<string, OfferedTool>;
} {
  const tools = asRecords(request.body?.['tools']);
  const itemTools = asRecords(request.body?.['input'])
    .filter((item) => item['type'] === 'additional_tools' || item['type'] === 'tool_search_output')
    .flatMap((item) => asRecords(item['tools']));
  const all = [...tools, ...itemTools];
  const byName = new Map<string, OfferedTool>();
  const offer = (tool: Record<string, unknown>, namespace?: string): void => {
    const kind = tool['type'] === 'custom' ? 'custom' : tool['type'] === 'function' ? 'function' : undefined;
    if (kind === undefined || typeof tool['name'] !== 'string') return;
    byName.set(tool['name'], namespace === undefined ? { kind } : { kind, namespace });
  };
  for (const tool of all) {
    if (tool['type'] === 'namespace' && typeof tool['name'] === 'string') {
      for (const member of asRecords(tool['tools'])) offer(member, tool['name']);
    }
  }
  for (const tool of all) offer(tool);
  const hasClientToolSearch = tools.some(
    (tool) => tool['type'] === 'tool_search' && tool['execution'] === 'client',
  );
  return { hasClientToolSearch, byName };
}

function asRecords(value: unknown): Array<Record<string, unknown>> {
  if (!Array.isArray(value)) return [];
  return (value as unknown[]).filter(
    (entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null,
  );
}

function writeStream(
  response: ServerResponse,
  completed: { output: OutputItem[] } & Record<string, unknown>,
): void {
  startEventStream(response);
  let sequenceNumber = 0;
  const send = (type: string, fields: Record<string, unknown>): void => {
    const data = { type, sequence_number: sequenceNumber, ...fields };
    sequenceNumber += 1;
    response.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const started = { ...completed, status: 'in_progress', output: [], usage: null };
  send('response.created', { response: started });
  send('response.in_progress', { response: started });
  completed.output.forEach((item, outputIndex) => {
    if (item.type === 'message') sendMessageItem(send, item, outputIndex);
    else if (item.type !== 'tool_search_call') sendCallItem(send, item, outputIndex);
    else {
      send('response.output_item.added', {
        output_index: outputIndex,
        item: { ...item, status: 'in_progress' },
      });
      send('response.output_item.done', { output_index: outputIndex, item });
    }
  });
  send('response.completed', { response: completed });
  response.end();
}

type Send = (type: string, fields: Record<string, unknown>) => void;

function sendMessageItem(send: Send, item: MessageItem, outputIndex: number): void {
  const text = item.content[0]?.text ?? '';
  const where = { item_id: item.id, output_index: outputIndex, content_index: 0 };
  send('response.output_item.added', {
    output_index: outputIndex,
    item: { ...item, status: 'in_progress', content: [] },
  });
  send('response.content_part.added', { ...where, part: { type: 'output_text', text: '', annotations: [] } });
  for (const delta of streamPieces(text))
    send('response.output_text.delta', { ...where, delta, logprobs: [] });
  send('response.output_text.done', { ...where, text, logprobs: [] });
  send('response.content_part.done', { ...where, part: { type: 'output_text', text, annotations: [] } });
  send('response.output_item.done', { output_index: outputIndex, item });
}

// A function call streams its `arguments`, a custom tool call its `input`, each in pieces and then whole.
function sendCallItem(send: Send, item: FunctionCallItem | CustomToolCallItem, outputIndex: number): void {
  const isFunction = item.type === 'function_call';
  const [field, value] = isFunction ? ['arguments', item.arguments] : ['input', item.input];
  const event = isFunction ? 'response.function_call_arguments' : 'response.custom_tool_call_input';
  const where = { item_id: item.id, output_index: outputIndex };
  send('response.output_item.added', {
    output_index: outputIndex,
    item: { ...item, status: 'in_progress', [field]: '' },
  });
  for (const delta of streamPieces(value)) send(`${event}.delta`, { ...where, delta });
  send(`${event}.done`, { ...where, ...(isFunction ? { name: item.name } : {}), [field]: value });
  send('response.output_item.done', { output_index: outputIndex, item });
}
