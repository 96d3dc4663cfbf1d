// The batch container session's turn logic with its ports as plain functions: how each way a container run can end
// becomes the turn's outcome and the session's status, and that an exhausted budget or a stop kills the running
// container (its abort signal) and always releases the session.
import { createBudgetTracker, type TurnOutcome } from '@ironcurtain/agent';
import { describe, expect, it } from 'vitest';
import type { ContainerRunResult } from '../src/adapters/agent-containers.js';
import { claudeCodeAdapter } from '../src/domain/agents/claude-code.js';
import { createContainerSessionHost } from '../src/domain/container/container-session-host.js';
import type { SessionRecord } from '../src/domain/session-record.js';

const record: SessionRecord = {
  sessionId: 'sess-container',
  status: 'waiting',
  createdAt: '2026-12-07T00:00:00.000Z',
  updatedAt: '2026-12-07T00:00:00.000Z',
  model: 'default',
  agent: 'claude-code',
  mode: 'batch',
  turn: 0,
};
const success = JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'All done.' });

function world(runTurn: (signal: AbortSignal) => Promise<ContainerRunResult>, tokens: number | null = null) {
  const statuses: Array<{ status: string; turnOutcome?: TurnOutcome; reason?: string }> = [];
  const notes: string[] = [];
  const turns: Array<{ message: string; isResume: boolean }> = [];
  let releases = 0;
  const budget = createBudgetTracker({
    session: { tokens, steps: null, timeMs: null, costUsd: null },
    usageSource: 'external',
  });
  const host = createContainerSessionHost({
    record,
    adapter: claudeCodeAdapter,
    facts: { sessionId: record.sessionId, sentinel: 'sk-ant-sentinel' },
    budget,
    memoryLimitMb: 512,
    runTurn: (turn, signal) => {
      turns.push({ message: turn.message, isResume: turn.isResume });
      return runTurn(signal);
    },
    saveRecord: async () => undefined,
    publishOutput: (note) => void notes.push(`${note.kind}: ${note.text}`),
    publishStatus: (status, details) => void statuses.push({ status, ...details }),
    release: async () => void (releases += 1),
    onError: () => undefined,
    now: () => new Date('2026-12-07T00:00:01.000Z'),
  });
  return { host, budget, statuses, notes, turns, releases: () => releases };
}

const exited = (exitCode: number, stdout = success): ContainerRunResult => ({
  exitCode,
  stdout,
  stderr: '',
  ending: 'exited',
});

describe('a batch container session', () => {
  it('completes a turn on exit 0 with the agent answer, and resumes the agent conversation on the next', async () => {
    const { host, statuses, notes, turns, releases } = world(async () => exited(0));
    host.send('write notes');
    host.send('now commit them');
    await host.idle();
    expect(turns).toEqual([
      { message: 'write notes', isResume: false },
      { message: 'now commit them', isResume: true },
    ]);
    expect(notes).toContain('assistant: All done.');
    expect(
      statuses.filter((status) => status.turnOutcome !== undefined).map((status) => status.turnOutcome),
    ).toEqual(['completed', 'completed']);
    expect(host.current().status).toBe('waiting');
    expect(host.latestUserMessage()).toBe('now commit them');
    expect(releases()).toBe(0);
  });

  it('fails the turn but keeps the session when the agent exits non-zero', async () => {
    const { host, statuses } = world(async () => exited(1, 'boom'));
    host.send('task');
    await host.idle();
    expect(statuses.at(-1)).toMatchObject({ status: 'waiting', turnOutcome: 'failed' });
    expect(statuses.at(-1)?.reason).toContain('exited with code 1');
  });

  it.each([
    ['killed', 'the Claude Code container was killed (exit code 137)'],
    ['vanished', 'the Claude Code container was removed while it ran'],
    ['out-of-memory', 'the Claude Code container ran out of memory (limit 512 MB) and was killed'],
  ] as const)(
    'ends the session as failed when the container is %s, and releases it',
    async (ending, reason) => {
      const { host, statuses, releases } = world(async () => ({
        exitCode: 137,
        stdout: '',
        stderr: '',
        ending,
      }));
      host.send('task');
      await host.idle();
      expect(statuses.at(-1)).toEqual({ status: 'failed', reason, turn: 1, turnOutcome: 'failed' });
      expect(host.current()).toMatchObject({ status: 'failed', reason });
      expect(releases()).toBe(1);
      host.send('another');
      await host.idle();
      expect(statuses).toHaveLength(2); // running, failed: nothing runs after the session failed
    },
  );

  it('kills the running container when the session budget is exhausted, and stops the session', async () => {
    let aborted = false;
    const { host, budget, statuses, releases } = world(
      (signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve({ exitCode: 137, stdout: '', stderr: '', ending: 'aborted' });
          });
        }),
      1000,
    );
    host.send('task');
    await new Promise((resolve) => setTimeout(resolve, 10));
    budget.recordUsage({
      inputTokens: 900,
      outputTokens: 200,
      model: 'claude-sonnet-4-6',
      provider: 'anthropic',
    });
    host.checkBudget();
    await host.idle();
    expect(aborted).toBe(true);
    expect(statuses.at(-1)).toMatchObject({ status: 'stopped', turnOutcome: 'budget-exhausted' });
    expect(releases()).toBe(1);
  });

  it('kills the running container on stop and records stopped', async () => {
    let aborted = false;
    const { host, releases } = world(
      (signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve({ exitCode: 137, stdout: '', stderr: '', ending: 'aborted' });
          });
        }),
    );
    host.send('task');
    await new Promise((resolve) => setTimeout(resolve, 10));
    const stopped = await host.stop('the user stopped it');
    expect(aborted).toBe(true);
    expect(stopped).toMatchObject({ status: 'stopped', reason: 'the user stopped it' });
    expect(releases()).toBe(1);
  });
});
