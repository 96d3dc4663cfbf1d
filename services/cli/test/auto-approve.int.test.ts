// The auto-approver on the local stack: the escalation-router holds no provider key, so it calls its model through
// mitm-egress with a sentinel of its own, like the agents. The user's task asks for the push, so the (scripted) model
// approves it; the audit trail says an LLM approved it, not a person.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeLlmReply, FakeLlmRequestBody, FakeLlmServer } from '@ironcurtain/testing';
import { realAnthropicKey, startFakeUpstream, toolResultsSinceUser } from './session-fixture.js';
import { startCli } from './stack-process.js';

const pushCode =
  "git.git_init({ path: '.', initialBranch: 'main' });\n" +
  "try { git.git_remote({ path: '.', mode: 'add', name: 'origin', url: 'https://github.com/example/notes.git' }); return 'added'; }\n" +
  'catch (error) { return error.message; }';

/** Agent requests carry the execute_code tool; the auto-approver's carry none. */
function reply(body: FakeLlmRequestBody | undefined): FakeLlmReply {
  if (body?.['tools'] === undefined) {
    return {
      text: JSON.stringify({ decision: 'approve', reasoning: 'The user asked to add the origin remote.' }),
    };
  }
  return toolResultsSinceUser(body) === 0
    ? { toolCalls: [{ name: 'execute_code', input: { code: pushCode } }] }
    : { text: 'Done.' };
}

describe('the auto-approver on the local stack', () => {
  let home: string;
  let upstream: FakeLlmServer;
  let environment: Record<string, string>;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-auto-approve-'));
    ({ upstream, environment } = await startFakeUpstream(home, (request) => reply(request.body), {
      ESCALATION_AUTO_APPROVE: 'true',
      ESCALATION_AUTO_APPROVE_MODEL: 'anthropic:claude-sonnet-4-6',
    }));
  });
  afterAll(async () => {
    await upstream?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('approves through the egress what the user asked for', async () => {
    const start = startCli(
      ['start', 'Add the origin remote https://github.com/example/notes.git.'],
      environment,
    );
    const { code } = await start.exited;
    const output = start.output();
    expect(code, output).toBe(0);
    expect(output).toMatch(/git\.git_remote: allowed \(approved by /);
    const judged = upstream.requests.filter((request) => request.body?.['tools'] === undefined);
    expect(judged).toHaveLength(1);
    // The router's model call went through the egress too: the upstream saw the real key, not a sentinel.
    expect(judged[0]?.headers['x-api-key']).toBe(realAnthropicKey);
    expect(JSON.stringify(judged[0]?.body)).toContain('Add the origin remote');
    const sessions = join(home, '.ironcurtain', 'sessions');
    const [sessionId] = (await readdir(sessions)).filter((name) => name !== 'escalation-router');
    const trail = await readFile(join(sessions, sessionId ?? '', 'audit.jsonl'), 'utf8');
    const remote = trail
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((record) => record['kind'] === 'decision' && record['toolName'] === 'git_remote');
    expect(remote).toMatchObject({ policyDecision: { status: 'allow' }, autoApproved: true });
  }, 180_000);
});
