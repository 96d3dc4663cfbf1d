import { describe, expect, it } from 'vitest';
import { parseToolCall } from '../src/domain/session/tool-call-input.js';

describe('parseToolCall', () => {
  it('reads a call, with arguments defaulting to {}', () => {
    expect(parseToolCall('{"serverName":"fs","toolName":"read","arguments":{"path":"a"}}')).toEqual({
      ok: true,
      call: { serverName: 'fs', toolName: 'read', arguments: { path: 'a' } },
    });
    expect(parseToolCall('{"serverName":"fs","toolName":"list"}')).toEqual({
      ok: true,
      call: { serverName: 'fs', toolName: 'list', arguments: {} },
    });
  });

  it('rejects unknown keys, so a misspelt "args" is not silently dropped', () => {
    const parsed = parseToolCall('{"serverName":"fs","toolName":"read","args":{"path":"a"}}');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problem).toContain('args');
  });

  it('locates a syntax error without quoting the text (arguments may hold secrets)', () => {
    const parsed = parseToolCall('{"serverName":"fs","toolName":"read","arguments":{"token":"sk-secret-123"');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problem).toMatch(/^not valid JSON at column \d+/);
    expect(!parsed.ok && parsed.problem).not.toContain('sk-secret');
  });

  it('rejects arguments that are not an object', () => {
    expect(parseToolCall('{"serverName":"fs","toolName":"read","arguments":["a"]}').ok).toBe(false);
    expect(parseToolCall('[]').ok).toBe(false);
  });
});
