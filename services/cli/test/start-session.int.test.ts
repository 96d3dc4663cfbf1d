// `ironcurtain start "task"` end to end: the real CLI brings up the real stack, the builtin agent runs on the real AI
// SDK Anthropic provider, whose calls go through mitm-egress's reverse mode (sentinel key swapped for the real one,
// TLS to the upstream verified) to a fake Anthropic Messages API that scripts execute_code calls. Tool calls go
// through the PDP, the gateway and the real filesystem and git MCP servers; the audit trail must verify afterwards.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeLlmReply, FakeLlmServer } from '@ironcurtain/testing';
import { realAnthropicKey as realKey, realOpenAIKey, startFakeUpstream } from './session-fixture.js';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { killLeftovers, pidsOf, readStackFile, runCli, startCli, type CliProcess } from './stack-process.js';

const steps: readonly string[] = [
  "filesystem.write_file({ path: 'notes.md', content: '# notes from the agent\\n' });\n" +
    "return filesystem.read_text_file({ path: 'notes.md' });",
  "git.git_init({ path: '.', initialBranch: 'main' });\n" +
    "git.git_add({ path: '.', paths: ['notes.md'] });\n" +
    "git.git_commit({ path: '.', message: 'Add notes' });\n" +
    "return 'committed';",
  // Data leaving the machine: escalated by the shipped policy; nobody answers, so it expires as a denial.
  "try { return git.git_push({ path: '.', remote: 'https://github.com/example/notes.git', branch: 'main' }); }\n" +
    'catch (error) { return error.message; }',
  // Outside the sandbox with no rule granting it: denied (the shipped policy is stricter than escalating here).
  "try { return filesystem.read_text_file({ path: '/etc/passwd' }); } catch (error) { return error.message; }",
  "try { filesystem.write_file({ path: '~/.ironcurtain/config.json', content: '{}' }); return 'written'; }\n" +
    'catch (error) { return error.message; }',
];

/** The next scripted answer: one execute_code per step, counted by the tool results already in the conversation. */
function scriptedReply(body: unknown): FakeLlmReply {
  const done = (JSON.stringify(body).match(/"tool_result"/g) ?? []).length;
  const code = steps[done];
  if (code === undefined) return { text: 'All steps are done.' };
  return { toolCalls: [{ name: 'execute_code', input: { code } }] };
}

describe('ironcurtain start "task" through the whole stack', () => {
  let home: string;
  let anthropic: FakeLlmServer;
  let environment: Record<string, string>;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-start-'));
    ({ upstream: anthropic, environment } = await startFakeUpstream(
      home,
      (request) => scriptedReply(request.body),
      {
        ESCALATION_TEST_TIMEOUT_MS: '1500',
      },
    ));
  });
  afterAll(async () => {
    await anthropic?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('runs the task: sandbox work and a commit allowed, a push escalated and expired, /etc/passwd and its own config denied', async () => {
    const start = startCli(['start', 'Take notes, then commit them.'], environment);
    const { code } = await start.exited;
    const output = start.output();
    expect(code, output).toBe(0);
    expect(output).toContain('filesystem.write_file: allowed');
    expect(output).toMatch(/approval needed \[[0-9a-f]{6}\]: git\.git_push/);
    expect(output).toMatch(/git\.git_push: ESCALATION DENIED: nobody answered in time/);
    expect(output).toMatch(/filesystem\.read_text_file: DENIED: /);
    expect(output).toMatch(/filesystem\.write_file: DENIED: Access to protected path/);
    expect(output).toContain('git.git_commit: allowed');
    expect(output).toContain('agent › All steps are done.');

    // Every model call went through the egress: the upstream saw the real key, never the session's sentinel.
    expect(anthropic.requests).toHaveLength(steps.length + 1);
    for (const request of anthropic.requests) expect(request.headers['x-api-key']).toBe(realKey);
    // The first execution's result reached the model in the next request.
    expect(JSON.stringify(anthropic.requests[1]?.body)).toContain('# notes from the agent');

    const sessionsDirectory = join(home, '.ironcurtain', 'sessions');
    const [sessionId] = await readdir(sessionsDirectory);
    const sandbox = join(sessionsDirectory, sessionId ?? '', 'sandbox');
    expect(execFileSync('git', ['-C', sandbox, 'log', '--format=%s'], { encoding: 'utf8' }).trim()).toBe(
      'Add notes',
    );
    await expect(readFile(join(home, '.ironcurtain', 'config.json'), 'utf8')).rejects.toThrow();

    const verify = await runCli(['audit', 'verify'], environment);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const trail = await readFile(
      join(home, '.ironcurtain', 'sessions', sessionId ?? '', 'audit.jsonl'),
      'utf8',
    );
    const rules = trail
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; policyDecision: { rule: string } })
      .filter((record) => record.kind === 'decision')
      .map((record) => record.policyDecision.rule);
    expect(rules).toContain('escalation-denied');
    expect(rules.filter((rule) => rule === 'structural-sandbox-allow').length).toBeGreaterThanOrEqual(5);
    // Every tool call the agent made (one note each in the terminal) has its decision on record.
    const toolCallNotes = output.match(/⚙ [a-z]+\.[a-z_]+: /g) ?? [];
    expect(toolCallNotes.length).toBe(8); // write, read, init, add, commit, push, passwd, config
    expect(rules).toHaveLength(toolCallNotes.length);
  }, 180_000);
});

describe('ironcurtain start "task" with an OpenAI model', () => {
  let home: string;
  let openai: FakeLlmServer;
  let environment: Record<string, string>;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-start-openai-'));
    const reply = (body: unknown): FakeLlmReply => {
      const results = (JSON.stringify(body).match(/"role":"tool"/g) ?? []).length;
      if (results > 0) return { text: 'Read it.' };
      const code =
        "filesystem.write_file({ path: 'plan.md', content: '# plan\\n' });\n" +
        "return filesystem.read_text_file({ path: 'plan.md' });";
      return { toolCalls: [{ name: 'execute_code', input: { code } }] };
    };
    ({ upstream: openai, environment } = await startFakeUpstream(
      home,
      (request) => reply(request.body),
      {},
      'openai',
    ));
  });
  afterAll(async () => {
    await openai?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('runs the chat completions provider through the egress with the real key swapped in', async () => {
    const start = startCli(['start', 'Write a plan.'], environment);
    const { code } = await start.exited;
    const output = start.output();
    expect(code, output).toBe(0);
    expect(output).toContain('filesystem.write_file: allowed');
    expect(output).toContain('agent › Read it.');
    expect(openai.requests.map((request) => request.path)).toEqual([
      '/v1/chat/completions',
      '/v1/chat/completions',
    ]);
    for (const request of openai.requests) {
      expect(request.headers['authorization']).toBe(`Bearer ${realOpenAIKey}`);
    }
    expect(JSON.stringify(openai.requests[1]?.body)).toContain('# plan');
  }, 180_000);
});

describe('ironcurtain start "task" under a policy that escalates reading /etc/passwd', () => {
  let home: string;
  let anthropic: FakeLlmServer;
  let environment: Record<string, string>;
  let up: CliProcess | undefined;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-start-etc-'));
    const reply = (body: unknown): FakeLlmReply =>
      JSON.stringify(body).includes('"tool_result"')
        ? { text: 'I could not read it.' }
        : {
            toolCalls: [
              {
                name: 'execute_code',
                input: {
                  code: "try { return filesystem.read_text_file({ path: '/etc/passwd' }); } catch (error) { return error.message; }",
                },
              },
            ],
          };
    ({ upstream: anthropic, environment } = await startFakeUpstream(home, (request) => reply(request.body), {
      ESCALATION_TEST_TIMEOUT_MS: '1500',
    }));
    // The shipped policy, plus one rule a user might compile: reading /etc/passwd needs a person's approval.
    const policy = join(home, 'policy');
    await cp(defaultPolicyDir, policy, { recursive: true });
    const compiled = JSON.parse(await readFile(join(policy, 'compiled-policy.json'), 'utf8')) as {
      rules: unknown[];
    };
    compiled.rules.unshift({
      name: 'escalate-read-passwd',
      description: 'Reading the system account list needs approval.',
      principle: 'User guidance: ask me before reading /etc/passwd.',
      if: { server: ['filesystem'], paths: { roles: ['read-path'], within: '/etc/passwd' } },
      then: 'escalate',
      reason: 'The user wants to approve reads of /etc/passwd.',
    });
    await writeFile(join(policy, 'compiled-policy.json'), JSON.stringify(compiled, null, 2));
    const scenarios = JSON.parse(await readFile(join(policy, 'test-scenarios.json'), 'utf8')) as {
      scenarios: Array<{ request: { arguments: Record<string, unknown> }; expectedDecision: string }>;
    };
    for (const scenario of scenarios.scenarios) {
      if (String(scenario.request.arguments['path']).endsWith('etc/passwd'))
        scenario.expectedDecision = 'escalate';
    }
    await writeFile(join(policy, 'test-scenarios.json'), JSON.stringify(scenarios, null, 2));
    up = startCli(['up'], environment);
    await up.waitForOutput(/IronCurtain is up/, 60_000);
    const activated = await runCli(['policy', 'activate', policy], environment);
    expect(activated.code, activated.stdout + activated.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    const state = await readStackFile(join(home, '.ironcurtain'));
    await killLeftovers(up, state === undefined ? [] : pidsOf(state));
    await anthropic?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('escalates the read, and the timeout denies it', async () => {
    const start = startCli(['start', 'Show me /etc/passwd.'], environment);
    const { code } = await start.exited;
    const output = start.output();
    expect(code, output).toBe(0);
    expect(output).toMatch(/approval needed \[[0-9a-f]{6}\]: filesystem\.read_text_file/);
    expect(output).toContain(
      'reason: The user wants to approve reads of /etc/passwd. (rule escalate-read-passwd)',
    );
    expect(output).toMatch(/filesystem\.read_text_file: ESCALATION DENIED: nobody answered in time/);
    expect(JSON.stringify(anthropic.requests[1]?.body)).toContain('ESCALATION DENIED');
    expect(JSON.stringify(anthropic.requests[1]?.body)).not.toContain('root:x:0:0');
  }, 120_000);
});
