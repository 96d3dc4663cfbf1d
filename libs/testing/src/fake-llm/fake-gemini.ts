import { randomBytes } from 'node:crypto';
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
type Part = { text: string } | { functionCall: { name: string; args: unknown }; thoughtSignature?: string };

// `/v1beta/models/gemini-2.5-flash:generateContent`, and `:streamGenerateContent` (the API serves both versions).
const methodPath = /^\/v1(?:beta)?\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

// Google's status names by HTTP code, as in `{ error: { code, message, status } }`.
const statusNames: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/**
 * A fake Gemini API on loopback, speaking the real wire format: `POST /v1beta/models/<model>:generateContent` answers
 * a `GenerateContentResponse` (candidates with `text` or `functionCall` parts, `usageMetadata`, `modelVersion`,
 * `responseId`), and `:streamGenerateContent?alt=sse` answers server-sent events, one response chunk each, with the
 * cumulative `usageMetadata` on every chunk and `finishReason` on the last. A function call part carries a
 * `thoughtSignature`, as Gemini 2.5 sends with thinking on. With `apiKey`, a request without `x-goog-api-key` (or
 * `?key=`) gets 403 `PERMISSION_DENIED` and a wrong key 400 `INVALID_ARGUMENT` ("API key not valid"), as the real
 * API answers; a body without `contents` is a 400. Errors are `{ error: { code, message, status } }`. `url` ends in
 * `/v1beta` (the base URL `@ai-sdk/google` takes).
 */
export function startFakeGemini(options: FakeLlmServerOptions): Promise<FakeLlmServer> {
  return startFakeLlmServer(geminiProtocol, options);
}

/**
 * Every text a Gemini request carries (the system instruction, and each content part's text, function call
 * arguments and function responses), joined by newlines: what a scripted model "reads".
 */
export function geminiRequestText(request: FakeLlmRequest): string {
  const parts: string[] = [];
  const collect = (content: unknown): void => {
    const list = (content as { parts?: unknown } | undefined)?.parts;
    for (const part of Array.isArray(list) ? (list as Record<string, unknown>[]) : []) {
      if (typeof part['text'] === 'string') parts.push(part['text']);
      if (part['functionCall'] !== undefined) parts.push(JSON.stringify(part['functionCall']));
      if (part['functionResponse'] !== undefined) parts.push(JSON.stringify(part['functionResponse']));
    }
  };
  collect(request.body?.['systemInstruction']);
  const contents = request.body?.['contents'];
  for (const content of Array.isArray(contents) ? contents : []) collect(content);
  return parts.join('\n');
}

const geminiProtocol: FakeProtocol = {
  path: '',
  basePath: '/v1beta',
  isServed: (method, path) => method === 'POST' && methodPath.test(path),
  isStreaming: (request) => request.path.endsWith(':streamGenerateContent'),
  rejection(request, apiKey) {
    if (apiKey !== undefined) {
      const presented =
        request.headers['x-goog-api-key'] ?? new URLSearchParams(request.query ?? '').get('key') ?? undefined;
      if (presented === undefined) {
        return {
          status: 403,
          type: 'PERMISSION_DENIED',
          message:
            "Method doesn't allow unregistered callers (callers without established identity). Please use API " +
            'Key or other form of API consumer identity to call this API.',
        };
      }
      if (presented !== apiKey) {
        return {
          status: 400,
          type: 'INVALID_ARGUMENT',
          message: 'API key not valid. Please pass a valid API key.',
        };
      }
    }
    const body = request.body;
    if (body === undefined) {
      return { status: 400, type: 'INVALID_ARGUMENT', message: 'Invalid JSON payload received.' };
    }
    if (!Array.isArray(body['contents']) || body['contents'].length === 0) {
      return {
        status: 400,
        type: 'INVALID_ARGUMENT',
        message: '* GenerateContentRequest.contents: contents is not specified',
      };
    }
    return undefined;
  },
  errorBody: (error) => {
    const code = error.status ?? 500;
    return { error: { code, message: error.message, status: statusNames[code] ?? 'UNKNOWN' } };
  },
  writeReply(response, request, reply) {
    const model = methodPath.exec(request.path)?.[1] ?? 'gemini-fake';
    const parts = partsOf(reply);
    const promptTokenCount = roughTokens(JSON.stringify(request.body?.['contents'] ?? ''));
    const candidatesTokenCount = roughTokens(JSON.stringify(parts));
    const usageMetadata = {
      promptTokenCount,
      candidatesTokenCount,
      totalTokenCount: promptTokenCount + candidatesTokenCount,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokenCount }],
    };
    const responseId = randomBytes(12).toString('base64url');
    if (request.isStreaming) {
      writeStream(response, { model, responseId, parts, usageMetadata });
      return;
    }
    sendJson(response, 200, {
      candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata,
      modelVersion: model,
      responseId,
    });
  },
};

function partsOf(reply: ContentReply): Part[] {
  if ('text' in reply) return [{ text: reply.text }];
  return reply.toolCalls.map((call, index) => ({
    functionCall: { name: call.name, args: call.input },
    // Gemini signs the first function call of a turn when thinking is on; clients must send it back as given.
    ...(index === 0 ? { thoughtSignature: randomBytes(24).toString('base64') } : {}),
  }));
}

function writeStream(
  response: ServerResponse,
  answer: {
    model: string;
    responseId: string;
    parts: Part[];
    usageMetadata: { promptTokenCount: number; candidatesTokenCount: number; totalTokenCount: number };
  },
): void {
  startEventStream(response);
  const { promptTokenCount } = answer.usageMetadata;
  const chunk = (parts: Part[], finishReason: string | undefined, usage: object): void => {
    const candidate = {
      content: { parts, role: 'model' },
      ...(finishReason === undefined ? {} : { finishReason }),
      index: 0,
    };
    const data = {
      candidates: [candidate],
      usageMetadata: usage,
      modelVersion: answer.model,
      responseId: answer.responseId,
    };
    response.write(`data: ${JSON.stringify(data)}\r\n\r\n`);
  };
  const [first] = answer.parts;
  if (first !== undefined && 'text' in first) {
    const pieces = streamPieces(first.text);
    pieces.forEach((text, index) => {
      const isLast = index === pieces.length - 1;
      chunk(
        [{ text }],
        isLast ? 'STOP' : undefined,
        isLast ? answer.usageMetadata : { promptTokenCount, totalTokenCount: promptTokenCount },
      );
    });
  } else {
    // Function calls arrive whole, in one chunk.
    chunk(answer.parts, 'STOP', answer.usageMetadata);
  }
  response.end();
}
