// `ironcurtain start --model …` with the providers beyond Anthropic and OpenAI, through the whole stack: a Gemini
// session (Gemini API, key in x-goog-api-key), an Ollama session (OpenAI Chat Completions at <base>/v1, no key) and
// an OpenRouter-style OpenAI-compatible session (a base path, a key), each running one tool call and answering. The
// orchestrator's AI SDK providers talk to mitm-egress's reverse mode with sentinel keys; the wire-level fakes must
// see the real key (none for Ollama) and never a sentinel, and no service but the egress may hold a real key. Ollama's
// and the gateway's base URLs and the gateway's key come from config.json.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  geminiRequestText,
  startFakeGemini,
  startFakeOpenAI,
  type FakeLlmReply,
  type FakeLlmRequest,
  type FakeLlmServer,
} from '@ironcurtain/testing';
import {
  cliEnvironment,
  killLeftovers,
  pidsOf,
  readStackFile,
  runCli,
  startCli,
  type CliProcess,
} from './stack-process.js';

const realGeminiKey = 'AIzaSy-test-real-gemini-key-for-the-egress';
const realRouterKey = 'sk-or-v1-test-real-router-key-for-the-egress';
// Sentinels carry the egress's prefixes: `AIza-ic-` for Google, `sk-ic-` for OpenAI-compatible endpoints.
const sentinelPrefixes = ['AIza-ic-', 'sk-ic-', 'sk-ant-ic-'];

/** One execute_code that writes `file`, then an answer once its result came back. */
function scripted(file: string, answer: string, resultsSoFar: number): FakeLlmReply {
  if (resultsSoFar > 0) return { text: answer };
  const code = `filesystem.write_file({ path: '${file}', content: '# ${file}\\n' }); return 'wrote ${file}';`;
  return { toolCalls: [{ name: 'execute_code', input: { code } }] };
}

const geminiResults = (request: FakeLlmRequest) =>
  (JSON.stringify(request.body).match(/"functionResponse"/g) ?? []).length;
const chatResults = (request: FakeLlmRequest) =>
  (JSON.stringify(request.body).match(/"role":"tool"/g) ?? []).length;

/** No header, query or body of what the upstream received carries a sentinel. */
function expectNoSentinel(requests: readonly FakeLlmRequest[]): void {
  for (const request of requests) {
    const seen = JSON.stringify([request.headers, request.query, request.body]);
    for (const prefix of sentinelPrefixes) expect(seen).not.toContain(prefix);
  }
}

/** A self-signed certificate naming every host, for the fakes the egress reaches over verified TLS. */
function selfSignedCertificate(
  directory: string,
  hosts: readonly string[],
): { keyFile: string; certFile: string } {
  const keyFile = join(directory, 'providers.key');
  const certFile = join(directory, 'providers.pem');
  const names = hosts.map((host) => `DNS:${host}`).join(',');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1']
      .concat(['-subj', `/CN=${hosts[0] ?? 'localhost'}`, '-addext', `subjectAltName=${names}`])
      .concat(['-keyout', keyFile, '-out', certFile]),
    { stdio: 'ignore' },
  );
  return { keyFile, certFile };
}

describe('ironcurtain start with Gemini, Ollama and an OpenAI-compatible gateway through the egress', () => {
  let home: string;
  let gemini: FakeLlmServer;
  let ollama: FakeLlmServer;
  let router: FakeLlmServer;
  let environment: Record<string, string>;
  let up: CliProcess | undefined;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-providers-'));
    const certificate = selfSignedCertificate(home, ['generativelanguage.googleapis.com', 'openrouter.ai']);
    const tls = {
      key: await readFile(certificate.keyFile, 'utf8'),
      cert: await readFile(certificate.certFile, 'utf8'),
    };
    gemini = await startFakeGemini({
      apiKey: realGeminiKey,
      tls,
      respond: (request) => scripted('gemini.md', 'Gemini wrote it.', geminiResults(request)),
    });
    // Ollama serves the OpenAI Chat Completions API at <base>/v1 on plain HTTP and takes no key.
    ollama = await startFakeOpenAI({
      respond: (request) => scripted('ollama.md', 'Ollama wrote it.', chatResults(request)),
    });
    router = await startFakeOpenAI({
      apiKey: realRouterKey,
      tls,
      basePath: '/api/v1',
      respond: (request) => scripted('router.md', 'The gateway model wrote it.', chatResults(request)),
    });
    // Ollama's and the gateway's base URLs and the gateway's key come from config.json as a person writes them;
    // the Gemini key from the environment (GEMINI_API_KEY, the name Google's tools use).
    const stackHome = join(home, '.ironcurtain');
    await mkdir(stackHome, { recursive: true, mode: 0o700 });
    await writeFile(
      join(stackHome, 'config.json'),
      JSON.stringify({
        ollamaBaseUrl: ollama.url,
        openaiCompatibleBaseUrl: 'https://openrouter.ai/api/v1',
        openaiCompatibleApiKey: realRouterKey,
      }),
      { mode: 0o600 },
    );
    environment = cliEnvironment(home, {
      IRONCURTAIN_HOME: stackHome,
      GEMINI_API_KEY: realGeminiKey,
      EGRESS_UPSTREAM_OVERRIDES: JSON.stringify({
        'generativelanguage.googleapis.com': new URL(gemini.url).host,
        'openrouter.ai': new URL(router.url).host,
      }),
      EGRESS_UPSTREAM_CA_FILE: certificate.certFile,
      // The fakes (and a local Ollama) are on loopback, which the egress refuses unless told otherwise.
      EGRESS_ALLOW_ADDRESSES: '127.0.0.1',
    });
    up = startCli(['up'], environment);
    await up.waitForOutput(/IronCurtain is up/, 60_000);
  }, 90_000);

  afterAll(async () => {
    const state = await readStackFile(join(home, '.ironcurtain'));
    await killLeftovers(up, state === undefined ? [] : pidsOf(state));
    await Promise.all([gemini?.close(), ollama?.close(), router?.close()]);
    await rm(home, { recursive: true, force: true });
  });

  const start = async (model: string, task: string) => {
    const { code, stdout, stderr } = await runCli(['start', '--model', model, task], environment);
    const output = stdout + stderr;
    expect(code, output).toBe(0);
    const sessionId = /session (\S+) —/.exec(output)?.[1] ?? '';
    const sandbox = join(home, '.ironcurtain', 'sessions', sessionId, 'sandbox');
    return { output, files: await readdir(sandbox) };
  };

  it('google:gemini-2.5-flash: the Gemini API sees the real key in x-goog-api-key, never a sentinel', async () => {
    const { output, files } = await start('google:gemini-2.5-flash', 'Write gemini.md.');
    expect(output).toContain('filesystem.write_file: allowed');
    expect(output).toContain('agent › Gemini wrote it.');
    expect(files).toContain('gemini.md');
    expect(output).not.toContain('not enforceable');
    expect(gemini.requests.map((request) => `${request.path}${request.query ?? ''}`)).toEqual([
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    ]);
    for (const request of gemini.requests) {
      expect(request.headers['x-goog-api-key']).toBe(realGeminiKey);
      expect(request.headers['authorization']).toBeUndefined();
    }
    // The tool's result reached the model as a function response.
    expect(geminiRequestText(gemini.requests[1]!)).toContain('wrote gemini.md');
    expectNoSentinel(gemini.requests);
  }, 120_000);

  it('ollama:llama3.2: the local server gets Chat Completions at /v1 with no key at all', async () => {
    const { output, files } = await start('ollama:llama3.2', 'Write ollama.md.');
    expect(output).toContain('agent › Ollama wrote it.');
    expect(files).toContain('ollama.md');
    // A local model costs nothing: its cost budget is enforceable (at 0).
    expect(output).not.toContain('not enforceable');
    expect(ollama.requests).toHaveLength(2);
    for (const request of ollama.requests) {
      expect(request).toMatchObject({ path: '/v1/chat/completions', body: { model: 'llama3.2' } });
      for (const header of ['authorization', 'x-api-key', 'x-goog-api-key', 'api-key']) {
        expect(request.headers[header]).toBeUndefined();
      }
    }
    expect(JSON.stringify(ollama.requests[1]?.body)).toContain('wrote ollama.md');
    expectNoSentinel(ollama.requests);
  }, 120_000);

  it('openai-compatible: a gateway at a base path gets its real key; an unpriced model says its cost is not enforceable', async () => {
    const { output, files } = await start('openai-compatible:qwen/qwen3-coder', 'Write router.md.');
    expect(output).toContain('agent › The gateway model wrote it.');
    expect(files).toContain('router.md');
    expect(output).toContain('cost not enforceable: no price known for openai-compatible:qwen/qwen3-coder');
    expect(router.requests.map((request) => request.path)).toEqual([
      '/api/v1/chat/completions',
      '/api/v1/chat/completions',
    ]);
    for (const request of router.requests) {
      expect(request.headers['authorization']).toBe(`Bearer ${realRouterKey}`);
      expect(request.body?.model).toBe('qwen/qwen3-coder');
    }
    expectNoSentinel(router.requests);
  }, 120_000);

  it('no service but mitm-egress holds a real key: the orchestrator has only sentinels', async () => {
    const state = await readStackFile(join(home, '.ironcurtain'));
    expect(state).toBeDefined();
    const services = Object.entries(state?.services ?? {});
    expect(services.map(([name]) => name)).toContain('session-orchestrator');
    for (const [name, pid] of services) {
      if (pid === null) continue;
      const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
      const holdsKey = environ.includes(realGeminiKey) || environ.includes(realRouterKey);
      expect({ name, holdsKey }).toEqual({ name, holdsKey: name === 'mitm-egress' });
    }
  });
});
