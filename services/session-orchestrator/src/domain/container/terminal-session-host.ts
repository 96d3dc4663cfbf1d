import type { BudgetTracker, TurnOutcome } from '@ironcurtain/agent';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { ContainerRunResult } from '../../adapters/agent-containers.js';
import type { OutputNote } from '../output-notes.js';
import type { SessionRecord } from '../session-record.js';
import type { ContainerSessionHost } from './container-session-host.js';
import { containerEndingReason, createTurnGuard } from './turn-guard.js';

type Status = SessionRecord['status'];

/** What a PTY session talks to. */
export interface TerminalSessionHostDependencies {
  record: SessionRecord;
  agentDisplayName: string;
  /** The first task, given to the TUI at start; the auto-approver's context until the session ends. */
  task: string | undefined;
  budget: BudgetTracker;
  memoryLimitMb: number;
  /** Starts the TUI container; `exited` settles when it ends (it is removed then). */
  startContainer(signal: AbortSignal): Promise<{ exited: Promise<ContainerRunResult> }>;
  saveRecord(record: SessionRecord): Promise<void>;
  publishOutput(note: OutputNote, turn: number): void;
  publishStatus(status: Status, details: { reason?: string; turn?: number; turnOutcome?: TurnOutcome }): void;
  release(): Promise<void>;
  onError(error: unknown, what: string): void;
  now(): Date;
}

/**
 * One external agent session in PTY mode: the agent's own TUI in one container with a terminal, which the user's
 * CLI attaches to. The session is one long turn: it ends when the TUI exits (`stopped`), when it is stopped, when its
 * budget runs out (the container is killed), or when the container is killed from outside (`failed`). Messages
 * cannot be sent over the bus: the user types into the TUI.
 */
export async function startTerminalSessionHost(
  deps: TerminalSessionHostDependencies,
): Promise<ContainerSessionHost> {
  const turn = deps.record.turn + 1;
  let record: SessionRecord = { ...deps.record, status: 'running', turn };
  const guard = createTurnGuard(deps.budget);
  const update = async (changes: Partial<SessionRecord>): Promise<void> => {
    record = { ...record, ...changes, updatedAt: deps.now().toISOString() };
    await deps.saveRecord(record).catch((error: unknown) => deps.onError(error, 'save the session record'));
  };

  const signal = guard.begin();
  let exited: Promise<ContainerRunResult>;
  try {
    exited = (await deps.startContainer(signal)).exited;
  } catch (error) {
    guard.end();
    throw error;
  }
  await update({ status: 'running' });
  deps.publishStatus('running', { turn });

  const settled = exited
    .then(async (result) => {
      guard.end();
      const stop = guard.stopReason();
      if (stop?.kind === 'stopped') return;
      const [status, outcome, reason] = endingOf(result, stop, deps);
      deps.publishOutput({ kind: 'system', text: reason }, turn);
      await update({ status, reason, budgetUsage: deps.budget.snapshot().usage });
      deps.publishStatus(status, { turn, turnOutcome: outcome, reason });
    })
    .catch(async (error: unknown) => {
      deps.onError(error, 'watch the terminal container');
      await update({ status: 'failed', reason: 'lost the agent container; see the service log' });
      deps.publishStatus('failed', { turn, turnOutcome: 'failed', reason: 'internal error' });
    })
    .finally(() => deps.release().catch((error: unknown) => deps.onError(error, 'release the session')));

  return {
    sessionId: record.sessionId,
    send() {
      throw new AppError(
        ErrorCode.Conflict,
        `session ${record.sessionId} runs ${deps.agentDisplayName}'s own terminal (PTY mode): type into that terminal`,
      );
    },
    async stop(reason) {
      const isRunning = record.status === 'running';
      guard.stop();
      await settled;
      if (isRunning) {
        await update({ status: 'stopped', reason, budgetUsage: deps.budget.snapshot().usage });
        deps.publishStatus('stopped', { reason, turn, turnOutcome: 'aborted' });
      }
      return record;
    },
    current: () => record,
    idle: () => settled,
    latestUserMessage: () => deps.task,
    checkBudget: () => guard.check(),
  };
}

function endingOf(
  result: ContainerRunResult,
  stop: ReturnType<ReturnType<typeof createTurnGuard>['stopReason']>,
  deps: TerminalSessionHostDependencies,
): [Status, TurnOutcome, string] {
  if (stop?.kind === 'budget') return ['stopped', 'budget-exhausted', stop.message];
  if (result.ending === 'exited') {
    return result.exitCode === 0
      ? ['stopped', 'completed', `${deps.agentDisplayName} exited`]
      : ['failed', 'failed', `${deps.agentDisplayName} exited with code ${result.exitCode}`];
  }
  return ['failed', 'failed', containerEndingReason(result, deps.agentDisplayName, deps.memoryLimitMb)];
}
