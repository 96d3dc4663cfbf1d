// Where a provider's requests go: a built-in provider's configured base URL (a gateway), and the `/v1/…` alias of an
// OpenAI-compatible endpoint in reverse mode. The endpoint allowlist applies to the path the agent sent.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createProviders, indexProviders } from '../src/domain/providers.js';
import { baseUrlRoute } from '../src/domain/upstream-base-url.js';

describe('baseUrlRoute', () => {
  it('a base URL ending in a version stands for the versioned base: the request version is replaced', () => {
    const route = baseUrlRoute('https://llm-gateway.example.com/anthropic/v1');
    expect(route.origin).toEqual({ protocol: 'https:', host: 'llm-gateway.example.com', port: 443 });
    expect(route.toUpstreamPath('/v1/messages')).toBe('/anthropic/v1/messages');
    expect(route.toUpstreamPath('/v1/messages/count_tokens?beta=true')).toBe(
      '/anthropic/v1/messages/count_tokens?beta=true',
    );
    const google = baseUrlRoute('http://10.0.0.5:8080/google/v1beta/');
    expect(google.origin).toEqual({ protocol: 'http:', host: '10.0.0.5', port: 8080 });
    expect(google.toUpstreamPath('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse')).toBe(
      '/google/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
    expect(google.toUpstreamPath('/v1/models/gemini-2.5-flash:generateContent')).toBe(
      '/google/v1beta/models/gemini-2.5-flash:generateContent',
    );
  });

  it('any other base URL puts its path before the request path', () => {
    expect(baseUrlRoute('https://gw.example/anthropic').toUpstreamPath('/v1/messages')).toBe(
      '/anthropic/v1/messages',
    );
    expect(baseUrlRoute('https://[::1]:9443').toUpstreamPath('/v1/messages')).toBe('/v1/messages');
    expect(baseUrlRoute('https://[::1]:9443').origin).toEqual({
      protocol: 'https:',
      host: '::1',
      port: 9443,
    });
  });

  it('refuses what is not scheme, host, port and path', () => {
    expect(() => baseUrlRoute('https://gw.example/v1?key=x')).toThrow(/no query/);
    expect(() => baseUrlRoute('https://user:pw@gw.example/v1')).toThrow(/credentials/);
    expect(() => baseUrlRoute('ftp://gw.example/v1')).toThrow(/http and https/);
  });
});

describe('providers with base URLs', () => {
  const providers = indexProviders(
    createProviders(
      { anthropic: 'real-a' },
      [
        { name: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1' },
        { name: 'openrouter', baseUrl: 'https://openrouter.ai/api/v1' },
        { name: 'root', baseUrl: 'https://api.example.com' },
      ],
      { anthropic: 'https://llm-gateway.example.com/anthropic/v1' },
    ),
  );

  it('a built-in provider keeps its host and allowlist for agents, and sends to the base URL', () => {
    const anthropic = providers.byConnectTarget('api.anthropic.com', 443);
    expect(anthropic?.upstream.origin.host).toBe('llm-gateway.example.com');
    expect(anthropic?.endpoints.isAllowed('POST', '/v1/messages')).toBe(true);
    expect(anthropic?.endpoints.isAllowed('POST', '/anthropic/v1/messages')).toBe(false);
    expect(providers.byConnectTarget('llm-gateway.example.com', 443)).toBeUndefined();
    expect(providers.byName('openai')?.upstream.origin.host).toBe('api.openai.com');
  });

  it('reverse mode takes /v1/… for an OpenAI-compatible base path, and leaves real paths alone', () => {
    const openrouter = providers.byName('openrouter')!;
    expect(openrouter.reversePath('/v1/chat/completions')).toBe('/api/v1/chat/completions');
    expect(openrouter.reversePath('/api/v1/chat/completions')).toBe('/api/v1/chat/completions');
    expect(openrouter.reversePath('/v1beta/chat/completions')).toBe('/v1beta/chat/completions');
    expect(openrouter.endpoints.isAllowed('POST', openrouter.reversePath('/v1/../admin'))).toBe(false);
    expect(providers.byName('ollama')!.reversePath('/v1/chat/completions')).toBe('/v1/chat/completions');
    expect(providers.byName('root')!.reversePath('/v1/chat/completions')).toBe('/chat/completions');
    expect(providers.byName('anthropic')!.reversePath('/v1/messages')).toBe('/v1/messages');
  });
});

describe('configuration', () => {
  it('reads the base URLs and Google key names, and names a bad base URL', () => {
    const config = loadConfig({
      NATS_URL: 'nats://127.0.0.1:4222',
      EGRESS_GOOGLE_BASE_URL: 'https://gw.example/google/v1beta',
      EGRESS_OPENAI_BASE_URL: '',
      GOOGLE_GENERATIVE_AI_API_KEY: 'g-key',
    });
    expect(config.EGRESS_GOOGLE_BASE_URL).toBe('https://gw.example/google/v1beta');
    expect(config.EGRESS_OPENAI_BASE_URL).toBeUndefined();
    expect(config.GOOGLE_GENERATIVE_AI_API_KEY).toBe('g-key');
    expect(() =>
      loadConfig({
        NATS_URL: 'nats://127.0.0.1:4222',
        EGRESS_ANTHROPIC_BASE_URL: 'https://gw.example/v1?x=1',
      }),
    ).toThrow(/EGRESS_ANTHROPIC_BASE_URL/);
  });
});
