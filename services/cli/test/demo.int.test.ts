// `ironcurtain demo` in a pseudo-terminal (util-linux `script`), answered by this test as a person would: the real
// CLI starts the real stack (nats-server, PDP, gateway with the filesystem and git MCP servers, audit-writer,
// escalation-router, egress, orchestrator) and the scripted model drives real Code Mode executions through it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliEnvironment, startCliInTerminal, type TerminalCliProcess } from './stack-process.js';

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
    run.waitForCount(/approve\? \[y\/N\]/, count);

  it('allows sandbox work, denies the SSH key, and pushes only after the person says yes', async () => {
    const { home, run } = await startDemo();
    const beforeAnswer = run.output();
    expect(beforeAnswer).toContain('filesystem.write_file: allowed');
    expect(beforeAnswer).toMatch(/filesystem\.read_text_file: DENIED: /);
    expect(beforeAnswer).toContain('git.git_commit: allowed');
    expect(beforeAnswer).toMatch(/approval needed \[esc_[0-9a-f]+\]: git\.git_remote/);
    run.type('y');
    await waitForQuestion(run, 2);
    expect(run.output()).toMatch(/approval needed \[esc_[0-9a-f]+\]: git\.git_push/);
    run.type('y');
    expect((await run.exited).code).toBe(0);
    const output = run.output();
    expect(output.match(/escalation esc_[0-9a-f]+: approved by /g)).toHaveLength(2);
    expect(output).toContain('git.git_remote: allowed (approved by');
    // Approved and run: the push itself fails, as this machine has no route to github.com.
    expect(output).toMatch(/git\.git_push\s+allow\s+escalate-git-remote-operations/);
    expect(output).toMatch(/filesystem\.read_text_file\s+deny\s+default-deny/);
    expect(output).toMatch(/hash chain verified: \d+ records/);
    // The sandbox holds what the agent made: the note, committed with real git.
    const sessionsDirectory = join(home, '.ironcurtain', 'sessions');
    const sessions = await readdir(sessionsDirectory);
    expect(sessions).toHaveLength(1);
    const sandbox = join(sessionsDirectory, sessions[0] ?? '', 'sandbox');
    expect(existsSync(join(sandbox, 'hello.md'))).toBe(true);
    const log = execFileSync('git', ['-C', sandbox, 'log', '--format=%s'], { encoding: 'utf8' });
    expect(log.trim()).toBe('Add hello.md');
  }, 150_000);

  it('records the push as denied when the person says no', async () => {
    const { run } = await startDemo();
    run.type('y');
    await waitForQuestion(run, 2);
    run.type('n');
    expect((await run.exited).code).toBe(0);
    const output = run.output();
    expect(output).toMatch(/escalation esc_[0-9a-f]+: denied by /);
    expect(output).toMatch(/ESCALATION DENIED: denied by /);
    expect(output).toMatch(/git\.git_push\s+deny\s+escalation-denied/);
    expect(output).toMatch(/hash chain verified: \d+ records/);
  }, 150_000);
});
