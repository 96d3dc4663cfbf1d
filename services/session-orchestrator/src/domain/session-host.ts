import {
  runTurn,
  type BudgetTracker,
  type ConversationCompactor,
  type TurnOutcome,
  type TurnResult,
} from '@ironcurtain/agent';
import type { CodeRunner, ToolCatalog } from '@ironcurtain/code-mode';
import type { LanguageModel, ModelMessage } from 'ai';
import type { OutputNote } from './output-notes.js';
import { noteOfAgentEvent } from './output-notes.js';
import type { CompactionReporter } from './session-compaction.js';
import { appendTranscript, writeConversation, type SessionPaths } from './session-files.js';
import type { SessionRecord } from './session-record.js';

type Status = SessionRecord['status'];

/** Everything one running session talks to; the service wires it to NATS, KV and the files. */
export interface SessionHostDependencies {
  record: SessionRecord;
  paths: SessionPaths;
  model: LanguageModel;
  catalog: ToolCatalog;
  /** Builds the Code Mode runner; the host passes the getter of the user's latest message (for the PDP). */
  createRunner(latestUserMessage: () => string | undefined): CodeRunner;
  budget: BudgetTracker;
  /** The conversation so far (empty for a new session, the stored one on resume). */
  messages: ModelMessage[];
  /** The session's conversation compaction (none when absent); its reports become notes and transcript entries. */
  createCompaction?(reporter: CompactionReporter): ConversationCompactor | undefined;
  saveRecord(record: SessionRecord): Promise<void>;
  publishOutput(note: OutputNote, turn: number): void;
  publishStatus(status: Status, details: { reason?: string; turn?: number; turnOutcome?: TurnOutcome }): void;
  /** Told about failures the host can only report (a transcript or record that could not be written). */
  onError(error: unknown, what: string): void;
  now(): Date;
}

/** A running session: takes user messages, runs one agent turn at a time, keeps its record and files current. */
export interface SessionHost {
  readonly sessionId: string;
  /** Queues a user message; resolves with the turn number it will run as. */
  send(message: string): number;
  /** Aborts the running turn and waits for the session to settle as `stopped`. */
  stop(reason: string): Promise<SessionRecord>;
  /** The record as it stands. */
  current(): SessionRecord;
  /** Resolves when every queued message has been handled. */
  idle(): Promise<void>;
}

/** Creates the host of one session; it is `waiting` until the first message arrives. */
export function createSessionHost(deps: SessionHostDependencies): SessionHost {
  let record = deps.record;
  let messages = deps.messages;
  let latestUserMessage: string | undefined;
  let turnAbort: AbortController | undefined;
  let isStopped = false;
  let queue: Promise<void> = Promise.resolve();
  const runner = deps.createRunner(() => latestUserMessage);
  let currentTurn = record.turn;

  const update = async (changes: Partial<SessionRecord>): Promise<void> => {
    record = { ...record, ...changes, updatedAt: deps.now().toISOString() };
    await deps.saveRecord(record).catch((error: unknown) => deps.onError(error, 'save the session record'));
  };
  const output = (note: OutputNote, turn: number): void => {
    deps.publishOutput(note, turn);
    const entry = { at: deps.now().toISOString(), turn, kind: note.kind, text: note.text };
    appendTranscript(deps.paths, entry).catch((error: unknown) =>
      deps.onError(error, 'append the transcript'),
    );
  };
  const compaction = deps.createCompaction?.({
    note: (text) => output({ kind: 'system', text }, currentTurn),
    record: (entry) =>
      appendTranscript(deps.paths, { at: deps.now().toISOString(), turn: currentTurn, ...entry }).catch(
        (error: unknown) => deps.onError(error, 'append the transcript'),
      ),
  });

  const runOne = async (message: string, turn: number): Promise<void> => {
    if (isStopped) return;
    latestUserMessage = message;
    currentTurn = turn;
    turnAbort = new AbortController();
    await update({ status: 'running', turn });
    deps.publishStatus('running', { turn });
    output({ kind: 'system', text: `user: ${message}` }, turn);
    const result = await runTurn({
      model: deps.model,
      modelId: record.model,
      runner,
      catalog: deps.catalog,
      messages,
      userMessage: message,
      budget: deps.budget,
      abortSignal: turnAbort.signal,
      ...(compaction === undefined ? {} : { compaction }),
      onEvent: (event) => {
        const note = noteOfAgentEvent(event);
        if (note !== undefined) output(note, turn);
      },
    });
    turnAbort = undefined;
    messages = result.messages;
    await writeConversation(deps.paths, messages).catch((error: unknown) =>
      deps.onError(error, 'write the conversation'),
    );
    await settleTurn(result, turn);
  };

  const settleTurn = async (result: TurnResult, turn: number): Promise<void> => {
    if (result.message !== undefined) output({ kind: 'system', text: result.message }, turn);
    const isSessionOver = result.exhaustion?.scope === 'session';
    const status: Status = isStopped ? 'stopped' : isSessionOver ? 'stopped' : 'waiting';
    const reason = result.outcome === 'completed' ? undefined : (result.message ?? result.outcome);
    await update({
      status,
      budgetUsage: deps.budget.snapshot().usage,
      ...(reason === undefined ? {} : { reason }),
    });
    deps.publishStatus(status, {
      turn,
      turnOutcome: result.outcome,
      ...(reason === undefined ? {} : { reason }),
    });
    if (isSessionOver) isStopped = true;
  };

  return {
    sessionId: record.sessionId,
    send(message) {
      const turn = record.turn + 1;
      record = { ...record, turn };
      queue = queue.then(() =>
        runOne(message, turn).catch(async (error: unknown) => {
          deps.onError(error, 'run a turn');
          await update({ status: 'failed', reason: 'the turn failed unexpectedly; see the service log' });
          deps.publishStatus('failed', { turn, turnOutcome: 'failed', reason: 'internal error' });
        }),
      );
      return turn;
    },
    async stop(reason) {
      isStopped = true;
      turnAbort?.abort();
      await queue;
      await update({ status: 'stopped', reason });
      deps.publishStatus('stopped', { reason });
      return record;
    },
    current: () => record,
    idle: () => queue,
  };
}
