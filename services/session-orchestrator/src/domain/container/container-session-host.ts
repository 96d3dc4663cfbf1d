import type { BudgetTracker, TurnOutcome } from '@ironcurtain/agent';
import type { ContainerRunResult } from '../../adapters/agent-containers.js';
import type { AgentAdapter, AgentSessionFacts, AgentTurn } from '../agents/agent-adapter.js';
import type { OutputNote } from '../output-notes.js';
import type { SessionHost } from '../session-host.js';
import type { SessionRecord } from '../session-record.js';
import { containerEndingReason, createTurnGuard } from './turn-guard.js';

type Status = SessionRecord['status'];

/** What a container session talks to; the desk wires each to Docker, KV and the bus. */
export interface ContainerSessionHostDependencies {
  record: SessionRecord;
  adapter: AgentAdapter;
  facts: AgentSessionFacts;
  budget: BudgetTracker;
  memoryLimitMb: number;
  /** Runs one batch turn's container to its end (killing it when `signal` aborts). */
  runTurn(turn: AgentTurn & { number: number }, signal: AbortSignal): Promise<ContainerRunResult>;
  saveRecord(record: SessionRecord): Promise<void>;
  publishOutput(note: OutputNote, turn: number): void;
  publishStatus(status: Status, details: { reason?: string; turn?: number; turnOutcome?: TurnOutcome }): void;
  /** The session is over for good (stopped, failed): remove its containers and sockets. */
  release(): Promise<void>;
  onError(error: unknown, what: string): void;
  now(): Date;
}

/** A hosted container session: the desk's {@link SessionHost}, plus what the MCP bridge and the budget need. */
export interface ContainerSessionHost extends SessionHost {
  /** The message of the running (or last) turn: trusted context for the auto-approver. */
  latestUserMessage(): string | undefined;
  /** Re-checks the budget after usage was counted; an exhausted budget kills the running container. */
  checkBudget(): void;
}

/**
 * One external agent session in batch mode: each user message is one run of the agent CLI in a fresh container,
 * resuming the agent's own conversation from its state folder. A container that exits ends the turn; one killed or
 * removed from outside, or out of memory, ends the session as `failed` with the reason.
 */
export function createContainerSessionHost(deps: ContainerSessionHostDependencies): ContainerSessionHost {
  let record = deps.record;
  let latestUserMessage: string | undefined;
  let isStopped = false;
  let queue: Promise<void> = Promise.resolve();
  const guard = createTurnGuard(deps.budget);

  const update = async (changes: Partial<SessionRecord>): Promise<void> => {
    record = { ...record, ...changes, updatedAt: deps.now().toISOString() };
    await deps.saveRecord(record).catch((error: unknown) => deps.onError(error, 'save the session record'));
  };

  const endSession = async (
    status: 'failed' | 'stopped',
    reason: string,
    turn?: number,
    outcome?: TurnOutcome,
  ) => {
    isStopped = true;
    await update({ status, reason, budgetUsage: deps.budget.snapshot().usage });
    deps.publishStatus(status, {
      reason,
      ...(turn === undefined ? {} : { turn }),
      ...(outcome === undefined ? {} : { turnOutcome: outcome }),
    });
    await deps.release().catch((error: unknown) => deps.onError(error, 'release the session containers'));
  };

  const runOne = async (message: string, turn: number): Promise<void> => {
    if (isStopped) return;
    latestUserMessage = message;
    await update({ status: 'running', turn });
    deps.publishStatus('running', { turn });
    deps.publishOutput({ kind: 'system', text: `user: ${message}` }, turn);
    const signal = guard.begin();
    let result: ContainerRunResult;
    try {
      result = await deps.runTurn({ message, isResume: turn > 1, number: turn }, signal);
    } finally {
      guard.end();
    }
    const stop = guard.stopReason();
    if (stop?.kind === 'stopped') return; // stop() settles the record
    if (stop?.kind === 'budget') {
      deps.publishOutput({ kind: 'system', text: stop.message }, turn);
      if (stop.scope === 'session') return endSession('stopped', stop.message, turn, 'budget-exhausted');
      await update({ status: 'waiting', reason: stop.message, budgetUsage: deps.budget.snapshot().usage });
      deps.publishStatus('waiting', { turn, turnOutcome: 'budget-exhausted', reason: stop.message });
      return;
    }
    if (result.ending !== 'exited') {
      const reason = containerEndingReason(result, deps.adapter.displayName, deps.memoryLimitMb);
      deps.publishOutput({ kind: 'system', text: reason }, turn);
      return endSession('failed', reason, turn, 'failed');
    }
    await settleExit(result, turn);
  };

  const settleExit = async (result: ContainerRunResult, turn: number): Promise<void> => {
    const answer = deps.adapter.parseBatchOutput(result);
    if (answer.text !== '') deps.publishOutput({ kind: 'assistant', text: answer.text }, turn);
    const isFailure = answer.isError || result.exitCode !== 0;
    const reason = isFailure
      ? answer.isQuotaExhausted
        ? `${deps.adapter.displayName} stopped: the provider refused for quota or rate limits`
        : `${deps.adapter.displayName} exited with code ${result.exitCode}`
      : undefined;
    if (reason !== undefined) deps.publishOutput({ kind: 'system', text: reason }, turn);
    const { reason: _previous, ...rest } = record;
    record = rest;
    await update({
      status: 'waiting',
      budgetUsage: deps.budget.snapshot().usage,
      ...(reason === undefined ? {} : { reason }),
    });
    deps.publishStatus('waiting', {
      turn,
      turnOutcome: isFailure ? 'failed' : 'completed',
      ...(reason === undefined ? {} : { reason }),
    });
  };

  return {
    sessionId: record.sessionId,
    send(message) {
      const turn = record.turn + 1;
      record = { ...record, turn };
      queue = queue.then(() =>
        runOne(message, turn).catch(async (error: unknown) => {
          deps.onError(error, 'run a container turn');
          const reason = `the agent container could not run: ${(error as Error).message}`;
          deps.publishOutput({ kind: 'system', text: reason }, turn);
          await endSession('failed', reason, turn, 'failed');
        }),
      );
      return turn;
    },
    async stop(reason) {
      const wasStopped = isStopped;
      isStopped = true;
      guard.stop();
      await queue;
      if (!wasStopped || record.status !== 'failed') {
        await update({ status: 'stopped', reason, budgetUsage: deps.budget.snapshot().usage });
        deps.publishStatus('stopped', { reason });
      }
      await deps.release().catch((error: unknown) => deps.onError(error, 'release the session containers'));
      return record;
    },
    current: () => record,
    idle: () => queue,
    latestUserMessage: () => latestUserMessage,
    checkBudget: () => guard.check(),
  };
}
