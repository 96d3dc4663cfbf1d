// The setup wizard's key check through the real egress: a private stack (real nats-server, the seven services from
// dist) in a throwaway home, a throwaway egress session whose sentinel the CLI sends, and a wire-level fake of
// Anthropic's model endpoints behind the egress's upstream override. The fake must see the real key, never the
// sentinel; a key it refuses is reported as refused; an unknown model and an unreachable provider say so.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkKeyWithPrivateStack } from '../src/domain/config/egress-key-check.js';
import { classifyAnswer } from '../src/domain/config/key-check.js';
import { startFakeAnthropicModelList, type FakeModelList } from './fake-model-list.js';
import { selfSignedCertificate } from './session-fixture.js';

const realKey = 'sk-ant-real-key-for-the-key-check';
const candidate = (key: string, model = 'anthropic:claude-sonnet-4-6') => ({
  anthropicApiKey: key,
  agentModelId: model,
});

describe('ironcurtain setup: the key check through the real egress', () => {
  let folder: string;
  let fake: FakeModelList;
  let environment: Record<string, string>;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ironcurtain-key-check-test-'));
    const tls = selfSignedCertificate(folder, 'api.anthropic.com');
    fake = await startFakeAnthropicModelList({
      apiKey: realKey,
      models: ['claude-sonnet-4-6', 'claude-haiku-4-5'],
      tls: { key: await readFile(tls.keyFile, 'utf8'), cert: await readFile(tls.certFile, 'utf8') },
    });
    const caFile = join(folder, 'upstream-ca.pem');
    await writeFile(caFile, await readFile(tls.certFile, 'utf8'));
    environment = {
      PATH: process.env['PATH'] ?? '',
      HOME: folder,
      LOG_LEVEL: 'info',
      EGRESS_UPSTREAM_OVERRIDES: JSON.stringify({ 'api.anthropic.com': new URL(fake.url).host }),
      EGRESS_UPSTREAM_CA_FILE: caFile,
      EGRESS_ALLOW_ADDRESSES: '127.0.0.1',
      // The candidate's key must win over the one in the environment, which the stack would otherwise be given.
      ANTHROPIC_API_KEY: 'sk-ant-stale-key-in-the-environment',
    };
  });
  afterAll(async () => {
    await fake?.close();
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  const check = (raw: Record<string, unknown>, model: string, env = environment) =>
    checkKeyWithPrivateStack(
      raw,
      { provider: 'anthropic', model },
      {
        environment: env,
        nodePath: process.execPath,
        pid: process.pid,
        report: () => undefined,
      },
    );

  it('a good key: ok, and the provider saw the real key, not the sentinel', async () => {
    const before = await keyCheckHomes();
    const outcome = await check(candidate(realKey), 'claude-sonnet-4-6');
    expect(outcome).toEqual({ kind: 'ok', detail: 'anthropic accepted the key' });
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe('/v1/models/claude-sonnet-4-6');
    expect(request?.headers['x-api-key']).toBe(realKey);
    expect(request?.headers['authorization']).toBeUndefined();
    // The private stack's home is gone with it.
    expect(await keyCheckHomes()).toEqual(before);
  }, 120_000);

  it('a key the provider rejects: "the provider refused the key"', async () => {
    const outcome = await check(candidate('sk-ant-wrong-key'), 'claude-sonnet-4-6');
    expect(outcome).toEqual({ kind: 'refused', detail: 'the provider refused the key (HTTP 401)' });
    expect(fake.requests.at(-1)?.headers['x-api-key']).toBe('sk-ant-wrong-key');
  }, 120_000);

  it('a good key and a model the provider does not know: says which', async () => {
    const outcome = await check(candidate(realKey, 'anthropic:claude-nonexistent-9'), 'claude-nonexistent-9');
    expect(outcome.kind).toBe('failed');
    expect(outcome.detail).toContain('knows no model claude-nonexistent-9');
  }, 120_000);

  it('a provider that cannot be reached: unreachable', async () => {
    const closedPort = {
      ...environment,
      EGRESS_UPSTREAM_OVERRIDES: JSON.stringify({ 'api.anthropic.com': '127.0.0.1:9' }),
    };
    const outcome = await check(candidate(realKey), 'claude-sonnet-4-6', closedPort);
    expect(outcome.kind).toBe('unreachable');
    expect(outcome.detail).toContain('could not be reached');
  }, 120_000);
});

describe('what a key check answer means', () => {
  const anthropic = { provider: 'anthropic' as const, model: 'claude-sonnet-4-6' };
  it('tells the egress refusing apart from the provider refusing', () => {
    const egressBody = JSON.stringify({
      type: 'error',
      error: { type: 'egress_denied', message: 'mitm-egress: no key' },
    });
    expect(classifyAnswer(anthropic, 403, egressBody).kind).toBe('failed');
    expect(classifyAnswer(anthropic, 403, '{"type":"error","error":{"type":"permission_error"}}').kind).toBe(
      'refused',
    );
    expect(classifyAnswer(anthropic, 502, egressBody).kind).toBe('unreachable');
  });
  it("reads Google's 400 for a bad key as a refusal, and other 400s not", () => {
    const google = { provider: 'google' as const, model: 'gemini-2.5-flash' };
    const badKey =
      '{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}';
    expect(classifyAnswer(google, 400, badKey).kind).toBe('refused');
    expect(classifyAnswer(google, 400, '{"error":{"code":400,"status":"INVALID_ARGUMENT"}}').kind).toBe(
      'failed',
    );
    expect(classifyAnswer(google, 200, '{}').kind).toBe('ok');
  });
});

async function keyCheckHomes(): Promise<string[]> {
  return (await readdir(tmpdir())).filter(
    (name) => name.startsWith('ironcurtain-key-check-') && !name.includes('test'),
  );
}
