// The real Claude Code CLI (from npm) through the proxy against the fake Anthropic upstream. The CLI believes it talks
// to api.anthropic.com: HTTPS_PROXY points at the egress, NODE_EXTRA_CA_CERTS at the egress CA, and its key is the
// session's sentinel. Its start-up calls to Anthropic's non-inference endpoints (settings, feature flags, event
// logging) are refused; it completes the prompt without them.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@ironcurtain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeUsage } from './fake-providers.js';
import { realKeys, startEgressHarness, type EgressHarness } from './egress-harness.js';
import { runClient } from './run-client.js';

const claudeWrapper = createRequire(import.meta.url).resolve('@anthropic-ai/claude-code/cli-wrapper.cjs');

describe('the real Claude Code CLI through the proxy [EGRESS-1] [EGRESS-3] [EGRESS-6]', () => {
  let harness: EgressHarness;
  let home: string;
  beforeAll(async () => {
    harness = await startEgressHarness();
    home = await mkdtemp(join(tmpdir(), 'claude-home-'));
  });
  afterAll(async () => {
    await harness?.close();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it('completes a prompt; the upstream sees the real key, never the sentinel', async () => {
    const { sentinels } = await harness.openSession('sess-claude');
    const sentinel = sentinels['anthropic'] ?? '';
    const run = await runClient(
      process.execPath,
      [claudeWrapper, '-p', 'Say hi', '--output-format', 'json'],
      {
        env: {
          HOME: home,
          ANTHROPIC_API_KEY: sentinel,
          HTTPS_PROXY: harness.proxyUrl,
          NODE_EXTRA_CA_CERTS: harness.caPath,
          DISABLE_AUTOUPDATER: '1',
        },
        cwd: home,
        timeoutMs: 90_000,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { result: string; is_error: boolean };
    expect(result).toMatchObject({ is_error: false, result: 'Hello from the fake upstream.' });

    const inference = harness.anthropic.received.filter((received) =>
      received.url.startsWith('/v1/messages'),
    );
    expect(inference.length).toBeGreaterThan(0);
    for (const received of harness.anthropic.received) {
      expect(received.headers['x-api-key']).toBe(realKeys.anthropic);
      expect(JSON.stringify(received)).not.toContain(sentinel);
    }
    const usage = await eventually('a usage event', () =>
      harness.usageEvents.find((e) => e.sessionId === 'sess-claude'),
    );
    expect(usage).toMatchObject({
      provider: 'anthropic',
      inputTokens: fakeUsage.input,
      outputTokens: fakeUsage.output,
      cacheReadTokens: fakeUsage.cacheRead,
      cacheWriteTokens: fakeUsage.cacheWrite,
    });
    // Everything it was allowed was inference; everything else was refused and audited as such.
    const events = harness.requestEvents.filter((event) => event.sessionId === 'sess-claude');
    expect(
      events
        .filter((event) => event.decision === 'allow')
        .every((event) => event.path.startsWith('/v1/messages')),
    ).toBe(true);
    expect(events.some((event) => event.decision === 'deny' && event.path.startsWith('/api/'))).toBe(true);
  });
});
