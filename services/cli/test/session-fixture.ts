// A fake Anthropic upstream for session tests: HTTPS with a self-signed certificate for api.anthropic.com, reached by
// the real mitm-egress through its test-only upstream override, so the AI SDK provider in the orchestrator runs
// against it exactly as against the real API (reverse mode, sentinel swapped for the real key, TLS verified).
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  startFakeAnthropic,
  startFakeOpenAI,
  startFakeOpenAIResponses,
  type FakeLlmRespond,
  type FakeLlmServer,
} from '@ironcurtain/testing';
import { cliEnvironment } from './stack-process.js';

/** The real key the egress holds in these tests; the fake refuses anything else. */
export const realAnthropicKey = 'sk-ant-test-real-key-for-the-egress';
/** The same for the OpenAI fake. */
export const realOpenAIKey = 'sk-test-real-openai-key-for-the-egress';

const providers = {
  anthropic: {
    host: 'api.anthropic.com',
    start: startFakeAnthropic,
    key: realAnthropicKey,
    keyVariable: 'ANTHROPIC_API_KEY',
    model: 'anthropic:claude-sonnet-4-6',
  },
  openai: {
    host: 'api.openai.com',
    start: startFakeOpenAI,
    key: realOpenAIKey,
    keyVariable: 'OPENAI_API_KEY',
    model: 'openai:gpt-4.1',
  },
  // The Responses API (`POST /v1/responses`), which Codex speaks.
  'openai-responses': {
    host: 'api.openai.com',
    start: startFakeOpenAIResponses,
    key: realOpenAIKey,
    keyVariable: 'OPENAI_API_KEY',
    model: 'openai:gpt-4.1',
  },
} as const;

/**
 * Starts the fake upstream of `provider` (Anthropic Messages or OpenAI chat completions) and returns it with the CLI
 * environment that routes the stack's egress to it and makes it the sessions' default model.
 */
export async function startFakeUpstream(
  home: string,
  respond: FakeLlmRespond,
  extra: Record<string, string> = {},
  provider: keyof typeof providers = 'anthropic',
): Promise<{ upstream: FakeLlmServer; environment: Record<string, string> }> {
  const chosen = providers[provider];
  const tls = selfSignedCertificate(home, chosen.host);
  const caFile = join(home, 'upstream-ca.pem');
  await writeFile(caFile, await readFile(tls.certFile, 'utf8'));
  const upstream = await chosen.start({
    apiKey: chosen.key,
    tls: { key: await readFile(tls.keyFile, 'utf8'), cert: await readFile(tls.certFile, 'utf8') },
    respond,
  });
  const environment = cliEnvironment(home, {
    IRONCURTAIN_HOME: join(home, '.ironcurtain'),
    [chosen.keyVariable]: chosen.key,
    ORCH_DEFAULT_MODEL: chosen.model,
    EGRESS_UPSTREAM_OVERRIDES: JSON.stringify({ [chosen.host]: new URL(upstream.url).host }),
    EGRESS_UPSTREAM_CA_FILE: caFile,
    // The fake upstream is on loopback, which the egress refuses unless told otherwise.
    EGRESS_ALLOW_ADDRESSES: '127.0.0.1',
    ...extra,
  });
  return { upstream, environment };
}

/** A self-signed certificate for `host` (P-256, one day) in `directory`, as a fake upstream serves it. */
export function selfSignedCertificate(
  directory: string,
  host: string,
): { keyFile: string; certFile: string } {
  const keyFile = join(directory, 'upstream.key');
  const certFile = join(directory, 'upstream.pem');
  const subject = ['-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`];
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'];
  execFileSync('openssl', ['req', '-x509', ...key, ...subject, '-keyout', keyFile, '-out', certFile], {
    stdio: 'ignore',
  });
  return { keyFile, certFile };
}

/** The text of the last user message in an Anthropic request body that is the user's own words (not tool results). */
export function lastUserText(body: unknown): string {
  const messages =
    (body as { messages?: Array<{ role: string; content: unknown }> } | undefined)?.messages ?? [];
  for (const message of [...messages].reverse()) {
    if (message.role !== 'user') continue;
    if (typeof message.content === 'string') return message.content;
    const parts = message.content as Array<{ type: string; text?: string }>;
    const text = parts.find((part) => part.type === 'text')?.text;
    if (text !== undefined) return text;
  }
  return '';
}

/** Tool results since the user's last own message, in an Anthropic request body. */
export function toolResultsSinceUser(body: unknown): number {
  const messages =
    (body as { messages?: Array<{ role: string; content: unknown }> } | undefined)?.messages ?? [];
  let count = 0;
  for (const message of messages) {
    if (message.role !== 'user' || typeof message.content === 'string') continue;
    const parts = message.content as Array<{ type: string }>;
    if (parts.some((part) => part.type === 'text')) count = 0;
    count += parts.filter((part) => part.type === 'tool_result').length;
  }
  return count;
}
