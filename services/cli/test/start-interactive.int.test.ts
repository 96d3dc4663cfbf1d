// `ironcurtain start` without a task, in a pseudo-terminal (util-linux `script`): the person types a task, answers
// two escalations with /approve and /deny, asks for /budget and /logs, and leaves with /quit. The scripted demo
// model drives real Code Mode executions through the real stack, which `start` brings up by itself.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnvironment, startCliInTerminal } from './stack-process.js';

describe('ironcurtain start (interactive)', () => {
  let home: string | undefined;
  afterAll(async () => {
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it('takes a task, /approve, /deny, /budget, /logs and /quit', async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-interactive-'));
    const environment = cliEnvironment(home, { TERM: 'dumb', IRONCURTAIN_HOME: join(home, '.ironcurtain') });
    const cli = startCliInTerminal(['start', '--model', 'demo:scripted'], environment);
    const { type } = cli;
    const waitFor = (pattern: RegExp, count = 1) => cli.waitForCount(pattern, count);
    try {
      await waitFor(/session \S+ — sandbox:/);
      type('Show me what you can do.');
      await waitFor(/answer with \/approve [0-9a-f]{6} or \/deny [0-9a-f]{6}/);
      type('/approve');
      await waitFor(/answer with \/approve [0-9a-f]{6} or \/deny [0-9a-f]{6}/, 2);
      type('/deny');
      await waitFor(/ready for your next message/);
      type('/budget');
      await waitFor(/steps: \d+ of 200/);
      type('/logs');
      await waitFor(/last \d+ transcript entries/);
      type('/quit');
      expect((await cli.exited).code).toBe(0);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- output so far ---\n${cli.output()}`, {
        cause: error,
      });
    } finally {
      cli.child.kill('SIGKILL');
    }
    const output = cli.output();
    expect(output).toMatch(/escalation esc_[0-9a-f]+ \[[0-9a-f]{6}\]: approved by /);
    expect(output).toContain('git.git_remote: allowed (approved by');
    expect(output).toMatch(/escalation esc_[0-9a-f]+ \[[0-9a-f]{6}\]: denied by /);
    expect(output).toMatch(/git\.git_push: ESCALATION DENIED: denied by /);
    expect(output).toMatch(/tokens: \d+ of 1000000/);
    expect(output).toMatch(/Z assistant: Done\. I wrote and committed hello\.md/);
  }, 150_000);
});
