import { describe, expect, it } from 'vitest';
import { createSseParser } from '../src/domain/sse-parser.js';
import { createUsageTap } from '../src/domain/usage-tap.js';

const feedInPieces = (tap: { push(chunk: Buffer): void }, text: string, size: number): void => {
  const bytes = Buffer.from(text);
  for (let offset = 0; offset < bytes.length; offset += size) tap.push(bytes.subarray(offset, offset + size));
};

const anthropicStream = [
  'event: message_start',
  'data: {"type":"message_start","message":{"model":"claude-x","usage":{"input_tokens":21,"output_tokens":1,"cache_read_input_tokens":5,"cache_creation_input_tokens":3}}}',
  '',
  'event: content_block_delta',
  'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"héllo ✓"}}',
  '',
  'event: message_delta',
  'data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}',
  '',
  '',
].join('\r\n');

describe('usage taps [EGRESS-6]', () => {
  it.each([1, 3, 7, 1000])('reads Anthropic streamed usage fed in %i-byte pieces', (size) => {
    const tap = createUsageTap('anthropic', 'text/event-stream; charset=utf-8');
    feedInPieces(tap!, anthropicStream, size);
    expect(tap?.finish()).toEqual({
      model: 'claude-x',
      inputTokens: 21,
      outputTokens: 7,
      cacheReadTokens: 5,
      cacheWriteTokens: 3,
    });
  });

  it('reads Anthropic non-streamed usage', () => {
    const tap = createUsageTap('anthropic', 'application/json');
    feedInPieces(
      tap!,
      JSON.stringify({ type: 'message', model: 'claude-x', usage: { input_tokens: 4, output_tokens: 2 } }),
      5,
    );
    expect(tap?.finish()).toEqual({ model: 'claude-x', inputTokens: 4, outputTokens: 2 });
  });

  it('reads OpenAI chat completions, streamed (include_usage) and not', () => {
    const streamed = createUsageTap('openai', 'text/event-stream');
    feedInPieces(
      streamed!,
      'data: {"model":"gpt-x","choices":[{"delta":{"content":"a"}}],"usage":null}\n\n' +
        'data: {"model":"gpt-x","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":2}}}\n\n' +
        'data: [DONE]\n\n',
      11,
    );
    expect(streamed?.finish()).toEqual({
      model: 'gpt-x',
      inputTokens: 9,
      outputTokens: 4,
      cacheReadTokens: 2,
    });
    const whole = createUsageTap('openai', 'application/json');
    whole?.push(Buffer.from('{"model":"gpt-x","usage":{"prompt_tokens":9,"completion_tokens":4}}'));
    expect(whole?.finish()).toEqual({ model: 'gpt-x', inputTokens: 9, outputTokens: 4 });
  });

  it('reads the OpenAI Responses API usage from response.completed', () => {
    const tap = createUsageTap('openai', 'text/event-stream');
    feedInPieces(
      tap!,
      'event: response.created\ndata: {"type":"response.created","response":{"model":"gpt-r","usage":null}}\n\n' +
        'event: response.completed\ndata: {"type":"response.completed","response":{"model":"gpt-r","usage":{"input_tokens":12,"output_tokens":3,"input_tokens_details":{"cached_tokens":0}}}}\n\n',
      13,
    );
    expect(tap?.finish()).toEqual({ model: 'gpt-r', inputTokens: 12, outputTokens: 3, cacheReadTokens: 0 });
  });

  it('reads Google usageMetadata from a streamed JSON array, thinking counted as output', () => {
    const tap = createUsageTap('google', 'application/json');
    tap?.push(
      Buffer.from(
        JSON.stringify([
          { modelVersion: 'gemini-x', usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 1 } },
          {
            modelVersion: 'gemini-x',
            usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 5, thoughtsTokenCount: 2 },
          },
        ]),
      ),
    );
    expect(tap?.finish()).toEqual({ model: 'gemini-x', inputTokens: 8, outputTokens: 7 });
  });

  it('reports nothing for bodies without usage, other content types, or a stream cut short', () => {
    expect(createUsageTap('anthropic', 'text/plain')).toBeUndefined();
    const error = createUsageTap('anthropic', 'application/json');
    error?.push(Buffer.from('{"type":"error","error":{"type":"overloaded_error"}}'));
    expect(error?.finish()).toBeUndefined();
    const cut = createUsageTap('openai', 'text/event-stream');
    cut?.push(Buffer.from('data: {"model":"gpt-x","usage":{"prompt_tokens":9,"comp'));
    expect(cut?.finish()).toBeUndefined();
  });

  it('joins multi-line data fields and keeps a \\r\\n split across chunks together', () => {
    const events: string[] = [];
    const parser = createSseParser((data) => events.push(data));
    parser.push(Buffer.from('data: a\r'));
    parser.push(Buffer.from('\ndata: b\r\n\r'));
    parser.push(Buffer.from('\n: comment\ndata:c\n\n'));
    parser.end();
    expect(events).toEqual(['a\nb', 'c']);
  });
});
