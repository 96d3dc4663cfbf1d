// Sessions against a running `ironcurtain up` stack, through the egress to a fake Anthropic: a session resumed after
// its orchestrator was SIGKILLed keeps its conversation and sandbox, and single-shot exit codes say how the turn
// ended (3: budget exhausted, 4: loop blocked).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type FakeLlmReply, type FakeLlmServer } from '@ironcurtain/testing';
import { lastUserText, startFakeUpstream, toolResultsSinceUser } from './session-fixture.js';
import {
  isAlive,
  killLeftovers,
  pidsOf,
  readStackFile,
  runCli,
  startCli,
  type CliProcess,
} from './stack-process.js';

/** The model's script, chosen by what the user asked. */
function scriptedReply(body: unknown): FakeLlmReply {
  const task = lastUserText(body);
  const done = toolResultsSinceUser(body);
  const run = (code: string): FakeLlmReply => ({ toolCalls: [{ name: 'execute_code', input: { code } }] });
  if (task.startsWith('Write the notes')) {
    return done === 0
      ? run(
          "filesystem.write_file({ path: 'notes.md', content: '# kept across a crash\\n' }); return 'written';",
        )
      : { text: 'The notes are written.' };
  }
  if (task.startsWith('Read the notes back')) {
    return done === 0
      ? run("return filesystem.read_text_file({ path: 'notes.md' });")
      : { text: 'Read them.' };
  }
  if (task.startsWith('Repeat yourself')) return run("return filesystem.list_directory({ path: '.' });");
  if (task.startsWith('Keep counting')) return run(`return ${done} + 1;`);
  return { text: `no script for ${JSON.stringify(task)}` };
}

/** Runs `ironcurtain start …` against the running stack, to completion. */
async function runStart(args: readonly string[], environment: Record<string, string>) {
  const { code, stdout, stderr } = await runCli(['start', ...args], environment);
  return { code, output: stdout + stderr };
}

describe('sessions on a running stack', () => {
  let home: string;
  let anthropic: FakeLlmServer;
  let environment: Record<string, string>;
  let up: CliProcess | undefined;
  const seenPids = new Set<number>();

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-lifecycle-'));
    ({ upstream: anthropic, environment } = await startFakeUpstream(
      home,
      (request) => scriptedReply(request.body),
      {
        ORCH_BUDGET_STEPS: '12',
      },
    ));
    up = startCli(['up'], environment);
    await up.waitForOutput(/IronCurtain is up/, 60_000);
  }, 90_000);
  afterAll(async () => {
    const state = await readStackFile(join(home, '.ironcurtain'));
    for (const pid of state === undefined ? [] : pidsOf(state)) seenPids.add(pid);
    await killLeftovers(up, seenPids);
    await anthropic?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('resumes a session after its orchestrator was SIGKILLed: conversation and sandbox are back', async () => {
    const first = await runStart(['Write the notes file.'], environment);
    expect(first.code, first.output).toBe(0);
    const sessionId = /session (\S+) —/.exec(first.output)?.[1] ?? '';
    expect(await readdir(join(home, '.ironcurtain', 'sessions', sessionId, 'sandbox'))).toContain('notes.md');

    const stateBefore = await readStackFile(join(home, '.ironcurtain'));
    const orchestratorPid = stateBefore?.services['session-orchestrator'] ?? 0;
    seenPids.add(orchestratorPid);
    process.kill(orchestratorPid, 'SIGKILL');
    await eventually(
      'the supervisor restarting the orchestrator',
      async () => {
        const pid = (await readStackFile(join(home, '.ironcurtain')))?.services['session-orchestrator'];
        return pid !== undefined && pid !== null && pid !== orchestratorPid && isAlive(pid) ? pid : undefined;
      },
      30_000,
    );
    const requestsBefore = anthropic.requests.length;
    // The restarted process may take a moment to serve: retry the resume until it answers.
    const resumed = await eventually(
      'a resumed session',
      async () => {
        const attempt = await runStart(['--resume', sessionId, 'Read the notes back.'], environment);
        return attempt.code === 0 ? attempt : undefined;
      },
      60_000,
    );
    expect(resumed.output).toContain(`session ${sessionId}`);
    expect(resumed.output).toContain('filesystem.read_text_file: allowed');
    const resumedRequest = JSON.stringify(anthropic.requests[requestsBefore]?.body);
    // The model sees the first turn again: the user's words and the code it ran then.
    expect(resumedRequest).toContain('Write the notes file.');
    expect(resumedRequest).toContain('kept across a crash');
    const last = JSON.stringify(anthropic.requests.at(-1)?.body);
    expect(last).toContain('# kept across a crash');
  }, 180_000);

  it('exits 4 when the loop detector blocks a repeating agent', async () => {
    const run = await runStart(['Repeat yourself, please.'], environment);
    expect(run.code, run.output).toBe(4);
    expect(run.output).toMatch(/loop detector/i);
  }, 120_000);

  it('exits 3 when the session step budget is exhausted', async () => {
    const run = await runStart(['Keep counting forever.'], environment);
    expect(run.code, run.output).toBe(3);
    expect(run.output).toMatch(/steps budget is exhausted: 12 steps used of 12 steps/);
    expect(run.output).toMatch(/budget: steps at 8\d%/);
  }, 120_000);
});
