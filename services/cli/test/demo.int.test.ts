// `ironcurtain demo` in a pseudo-terminal (util-linux `script`), answered by this test as a person would: the real
// CLI starts the real stack (nats-server, PDP, gateway with the filesystem and git MCP servers, audit-writer,
// escalation-router, egress, orchestrator) and the scripted model drives real Code Mode executions through it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '@ironcurtain/testing';
import { cliEntry, cliEnvironment } from './stack-process.js';

interface DemoRun {
  output(): string;
  answer(line: string): void;
  exited: Promise<number | null>;
  kill(): void;
}

function runDemoInTerminal(env: Record<string, string>): DemoRun {
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(cliEntry)} demo`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return {
    output: () => text,
    answer: (line) => void child.stdin.write(`${line}\n`),
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    kill: () => void child.kill('SIGKILL'),
  };
}

describe('ironcurtain demo', () => {
  const homes: string[] = [];
  const runs: DemoRun[] = [];
  afterEach(async () => {
    for (const run of runs.splice(0)) run.kill();
    for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
  });

  const startDemo = async () => {
    const home = await mkdtemp(join(tmpdir(), 'ironcurtain-demo-'));
    homes.push(home);
    // A home of its own, with IronCurtain's state where it usually is (~/.ironcurtain), so ~/.ssh is just a
    // folder the policy grants nothing in.
    const environment = cliEnvironment(home, { TERM: 'dumb', IRONCURTAIN_HOME: join(home, '.ironcurtain') });
    const run = runDemoInTerminal(environment);
    runs.push(run);
    await waitForQuestion(run, 1);
    return { home, run };
  };
  const waitForQuestion = (run: DemoRun, count: number) =>
    eventually(
      `approval question ${count}`,
      () => (run.output().match(/approve\? \[y\/N\]/g) ?? []).length >= count,
      90_000,
    );

  it('allows sandbox work, denies the SSH key, and pushes only after the person says yes', async () => {
    const { home, run } = await startDemo();
    const beforeAnswer = run.output();
    expect(beforeAnswer).toContain('filesystem.write_file: allowed');
    expect(beforeAnswer).toMatch(/filesystem\.read_text_file: DENIED: /);
    expect(beforeAnswer).toContain('git.git_commit: allowed');
    expect(beforeAnswer).toMatch(/approval needed \[esc_[0-9a-f]+\]: git\.git_remote/);
    run.answer('y');
    await waitForQuestion(run, 2);
    expect(run.output()).toMatch(/approval needed \[esc_[0-9a-f]+\]: git\.git_push/);
    run.answer('y');
    expect(await run.exited).toBe(0);
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
    run.answer('y');
    await waitForQuestion(run, 2);
    run.answer('n');
    expect(await run.exited).toBe(0);
    const output = run.output();
    expect(output).toMatch(/escalation esc_[0-9a-f]+: denied by /);
    expect(output).toMatch(/ESCALATION DENIED: denied by /);
    expect(output).toMatch(/git\.git_push\s+deny\s+escalation-denied/);
    expect(output).toMatch(/hash chain verified: \d+ records/);
  }, 150_000);
});
