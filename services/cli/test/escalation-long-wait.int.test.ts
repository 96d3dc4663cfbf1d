// Issue 20: the faster failure detection (progress every second, a silent PDP or gateway noticed in 4 s) must not cut
// short a call that legitimately waits for a person. On the real stack (`ironcurtain up`), an escalated call waits
// 2 minutes 5 seconds for its answer — past nats-server's default two-minute response permission too — and is then
// approved with `ironcurtain approve`, runs, and the session ends normally.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeLlmReply, FakeLlmServer } from '@ironcurtain/testing';
import { lastUserText, startFakeUpstream, toolResultsSinceUser } from './session-fixture.js';
import { killLeftovers, pidsOf, readStackFile, runCli, startCli, type CliProcess } from './stack-process.js';

const remoteCode =
  "git.git_init({ path: '.', initialBranch: 'main' });\n" +
  "git.git_remote({ path: '.', mode: 'add', name: 'origin', url: 'https://github.com/example/notes.git' });\n" +
  "return 'origin added';";

function scriptedReply(body: unknown): FakeLlmReply {
  if (!lastUserText(body).startsWith('Set up the repository')) return { text: 'no script' };
  if (toolResultsSinceUser(body) > 0) return { text: 'Done.' };
  return { toolCalls: [{ name: 'execute_code', input: { code: remoteCode } }] };
}

const humanWaitMs = 125_000;

describe('an escalation that waits minutes for a person', () => {
  let home: string;
  let upstream: FakeLlmServer;
  let environment: Record<string, string>;
  let up: CliProcess | undefined;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-long-wait-'));
    ({ upstream, environment } = await startFakeUpstream(home, (request) => scriptedReply(request.body)));
    up = startCli(['up'], environment);
    await up.waitForOutput(/IronCurtain is up/, 60_000);
  }, 90_000);
  afterAll(async () => {
    const state = await readStackFile(join(home, '.ironcurtain'));
    await killLeftovers(up, state === undefined ? [] : pidsOf(state));
    await upstream?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('is not cut short: approved after 2 min 5 s, the call runs and the session completes', async () => {
    const start = startCli(['start', 'Set up the repository.'], environment);
    await start.waitForOutput(/\(ticket esc_\w+\)/, 60_000);
    const ticketId = /\(ticket (esc_\w+)\)/.exec(start.output())?.[1] ?? '';
    const askedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, humanWaitMs));
    // Still waiting: nothing gave up on the call while the person took their time.
    expect(start.output()).not.toMatch(/UNKNOWN|did not answer|ESCALATION DENIED|expired/);
    const approve = await runCli(['approve', ticketId], environment);
    expect(approve.code, approve.stdout + approve.stderr).toBe(0);
    const { code } = await start.exited;
    expect(code, start.output()).toBe(0);
    expect(Date.now() - askedAt).toBeGreaterThanOrEqual(humanWaitMs);
    expect(start.output()).toMatch(/git\.git_remote: allowed \(approved by/);
    expect(start.output()).toContain('origin added');
  }, 240_000);
});
