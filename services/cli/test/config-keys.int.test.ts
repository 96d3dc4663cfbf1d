// config.json acts at run time: one `ironcurtain up` reads a config.json with non-default values (and no provider
// key or model in the environment), and sessions on that stack show each key's effect through the real services:
// the key from the file reaches the fake provider through the egress, agentModelId picks the agent's model,
// autoApprove turns on the auto-approver with its model, escalationTimeoutSeconds expires a ticket, the steps budget
// ends a session (with the warning at warnThresholdPercent), and auditRedaction off keeps a card number in the trail.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeLlmReply, FakeLlmRequestBody, FakeLlmServer } from '@ironcurtain/testing';
import {
  lastUserText,
  realAnthropicKey,
  startFakeUpstream,
  toolResultsSinceUser,
} from './session-fixture.js';
import { killLeftovers, pidsOf, readStackFile, startCli, type CliProcess } from './stack-process.js';

const cardNumber = '4111 1111 1111 1111';
const remoteCode =
  "git.git_init({ path: '.', initialBranch: 'main' });\n" +
  "try { git.git_remote({ path: '.', mode: 'add', name: 'origin', url: 'https://github.com/example/notes.git' }); return 'added'; }\n" +
  'catch (error) { return error.message; }';
const cardCode = `filesystem.write_file({ path: 'payment.txt', content: 'card ${cardNumber}' }); return 'written';`;

/** The agent's scripted model (requests with tools) and the auto-approver's (requests without). */
function reply(body: FakeLlmRequestBody | undefined): FakeLlmReply {
  const task = lastUserText(body);
  if (body?.['tools'] === undefined) {
    const isAsked = JSON.stringify(body).includes('Add the origin remote');
    return { text: JSON.stringify({ decision: isAsked ? 'approve' : 'escalate', reasoning: 'scripted' }) };
  }
  const step = toolResultsSinceUser(body);
  if (task.startsWith('Keep counting'))
    return { toolCalls: [{ name: 'execute_code', input: { code: `return ${step};` } }] };
  if (step > 0) return { text: 'Done.' };
  const code = task.startsWith('Store the card') ? cardCode : remoteCode;
  return { toolCalls: [{ name: 'execute_code', input: { code } }] };
}

describe('config.json through the real stack', () => {
  let home: string;
  let stackHome: string;
  let upstream: FakeLlmServer;
  let environment: Record<string, string>;
  let up: CliProcess | undefined;
  const seenPids = new Set<number>();

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-config-keys-'));
    ({ upstream, environment } = await startFakeUpstream(home, (request) => reply(request.body)));
    // The key and the model come from config.json only.
    delete environment['ANTHROPIC_API_KEY'];
    delete environment['ORCH_DEFAULT_MODEL'];
    stackHome = environment['IRONCURTAIN_HOME'] ?? '';
    await mkdir(stackHome, { recursive: true, mode: 0o700 });
    const config = {
      anthropicApiKey: realAnthropicKey,
      agentModelId: 'anthropic:claude-opus-4-5',
      escalationTimeoutSeconds: 30,
      resourceBudget: { maxSteps: 3, warnThresholdPercent: 60 },
      auditRedaction: { enabled: false },
      autoApprove: { enabled: true, modelId: 'claude-haiku-4-5' },
    };
    await writeFile(join(stackHome, 'config.json'), JSON.stringify(config), { mode: 0o600 });
    up = startCli(['up'], environment);
    await up.waitForOutput(/IronCurtain is up/, 60_000);
    for (const pid of pidsOf((await readStackFile(stackHome)) ?? ({} as never))) seenPids.add(pid);
  }, 90_000);

  afterAll(async () => {
    await killLeftovers(up, seenPids);
    await upstream?.close();
    await rm(home, { recursive: true, force: true });
  });

  const agentRequests = () => upstream.requests.filter((request) => request.body?.['tools'] !== undefined);
  const judgeRequests = () => upstream.requests.filter((request) => request.body?.['tools'] === undefined);

  it('agentModelId, the file key and autoApprove: the auto-approver approves what the user asked for', async () => {
    const start = startCli(
      ['start', 'Add the origin remote https://github.com/example/notes.git.'],
      environment,
    );
    const { code } = await start.exited;
    expect(code, start.output()).toBe(0);
    expect(start.output()).toMatch(/git\.git_remote: allowed \(approved by /);
    expect(agentRequests().map((request) => request.body?.['model'])).toContain('claude-opus-4-5');
    expect(judgeRequests().map((request) => request.body?.['model'])).toEqual(['claude-haiku-4-5']);
    for (const request of upstream.requests) expect(request.headers['x-api-key']).toBe(realAnthropicKey);
  }, 120_000);

  it('escalationTimeoutSeconds: a ticket nobody answers expires after 30 s and the call is denied', async () => {
    const startedAt = Date.now();
    const start = startCli(['start', 'Set up the repository.'], environment);
    await start.waitForOutput(/expires: /, 60_000);
    const expiresAt = Date.parse(/expires: (\S+)/.exec(start.output())?.[1] ?? '');
    expect((expiresAt - startedAt) / 1000).toBeGreaterThan(25);
    expect((expiresAt - startedAt) / 1000).toBeLessThan(45);
    const { code } = await start.exited;
    expect(code, start.output()).toBe(0);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(29_000);
    expect(start.output()).toMatch(/escalation esc_\w+ \[\w+\]: expired/);
    expect(start.output()).toMatch(/git\.git_remote: ESCALATION DENIED: nobody answered in time/);
  }, 120_000);

  it('resourceBudget: maxSteps 3 ends the session, with the warning at 60%', async () => {
    const start = startCli(['start', 'Keep counting.'], environment);
    const { code } = await start.exited;
    expect(code, start.output()).toBe(3);
    expect(start.output()).toMatch(/budget: steps at (6\d|[7-9]\d)% \(2 of 3\)/);
    expect(start.output()).toMatch(/budget: steps exhausted \(3 of 3\)/);
  }, 120_000);

  it('auditRedaction off: the card number stays in the audit trail', async () => {
    const start = startCli(['start', 'Store the card for the payment.'], environment);
    const { code } = await start.exited;
    expect(code, start.output()).toBe(0);
    const sessions = join(stackHome, 'sessions');
    const trails = await Promise.all(
      (await readdir(sessions)).map((name) =>
        readFile(join(sessions, name, 'audit.jsonl'), 'utf8').catch(() => ''),
      ),
    );
    const written = trails
      .flatMap((trail) => trail.trim().split('\n'))
      .filter((line) => line.includes('write_file'));
    expect(written.length).toBeGreaterThan(0);
    expect(written.some((line) => line.includes(cardNumber))).toBe(true);
  }, 120_000);
});
