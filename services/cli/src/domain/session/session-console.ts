import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { request, subscribe, type Bus } from '@ironcurtain/bus';
import {
  EscalationOpenedEvent,
  EscalationResolvedEvent,
  SessionBudgetEvent,
  SessionOutputEvent,
  SessionStart,
  SessionStatusEvent,
  SessionStop,
  type PayloadOf,
} from '@ironcurtain/proto-schemas';
import { terminalSafe, ticketShortCode } from '@ironcurtain/terminal-text';
import type { TextOutput } from '../../cli-context.js';
import { createPendingApprovals } from './pending-approvals.js';
import { handleSessionLine } from './session-commands.js';
import { codeOfNote, formatBudget, formatCodeNote, formatEscalation, formatOutput } from './session-view.js';
import { countToolCall, createToolCallTally, formatToolCallTally } from './tool-call-tally.js';

type StatusEvent = PayloadOf<typeof SessionStatusEvent>;

/** How a session in the terminal ended. */
type SessionEnd =
  | { by: 'turn'; event: StatusEvent }
  | { by: 'quit' }
  | { by: 'signal'; signal: string }
  | { by: 'lost'; message: string };

/** What a session in the terminal needs. */
export interface SessionConsoleOptions {
  bus: Bus;
  home: string;
  input: NodeJS.ReadableStream;
  output: TextOutput;
  /** Where a lost stack is reported (stderr). */
  errorOutput: TextOutput;
  start: {
    task?: string;
    model?: string;
    resumeSessionId?: string;
    agent?: string;
    workspace?: string;
  };
  /** Single shot: the process ends when the first turn does. Interactive: the user types tasks until /quit. */
  isSingleShot: boolean;
  /** Ask "approve? [y/N]" for each escalation (the demo) instead of waiting for /approve or /deny. */
  shouldAskOnEscalation: boolean;
  approver: string;
  /** Resolves with the signal's name when the user interrupts (Ctrl-C, SIGTERM, SIGHUP). */
  interrupted: Promise<string>;
  /** Resolves with what happened when the stack is lost (`StackConnection.lost`). */
  lost: Promise<string>;
}

/** Exit codes of `ironcurtain start "task"` by how the turn ended. */
export const turnExitCodes: Readonly<Record<string, number>> = {
  completed: 0,
  failed: 1,
  aborted: 1,
  'budget-exhausted': 3,
  'loop-blocked': 4,
};

/**
 * Runs one session in the terminal: starts (or resumes) it, prints what the agent says and does (all of it made
 * terminal-safe), shows escalations from their tickets and answers them, and takes `/approve`, `/deny`, `/code`,
 * `/budget`, `/logs`, `/quit` and new tasks. When it ends it prints how its tool calls ended. Resolves with the exit
 * code: by the turn's outcome (single shot), 0 after /quit, 1 when a single shot is interrupted or the stack is lost.
 */
export async function runSessionConsole(
  options: SessionConsoleOptions,
): Promise<{ exitCode: number; sessionId?: string }> {
  const print = (line: string): void => void options.output.write(`${line}\n`);
  const early: Array<() => void> = [];
  let sessionId: string | undefined;
  const pending = createPendingApprovals();
  const codes: string[] = [];
  const tally = createToolCallTally();
  let settleTurn: (event: StatusEvent) => void = () => undefined;
  const ours = (id: string, show: () => void): void => {
    if (sessionId === undefined) early.push(() => id === sessionId && show());
    else if (id === sessionId) show();
  };
  const showOutput = (event: PayloadOf<typeof SessionOutputEvent>): void => {
    if (event.toolCall !== undefined) countToolCall(tally, event.toolCall);
    const code = codeOfNote(event);
    if (code === undefined) return print(formatOutput(event));
    codes.push(code);
    print(formatCodeNote(code, codes.length));
  };
  const subscriptions = [
    subscribe(options.bus, SessionOutputEvent, (event) => ours(event.sessionId, () => showOutput(event))),
    subscribe(options.bus, SessionBudgetEvent, (event) =>
      ours(event.sessionId, () => print(formatBudget(event))),
    ),
    subscribe(options.bus, SessionStatusEvent, (event) => ours(event.sessionId, () => settleTurn(event))),
    subscribe(options.bus, EscalationOpenedEvent, ({ ticket }) =>
      ours(ticket.sessionId, () => {
        pending.add(ticket);
        print(formatEscalation(ticket, options.shouldAskOnEscalation));
        if (pending.count() > 1) {
          const answer = options.shouldAskOnEscalation ? 'y CODE or n CODE' : '/approve CODE or /deny CODE';
          print(`    ${pending.count()} approvals are waiting: answer each with its code (${answer})`);
        }
      }),
    ),
    subscribe(options.bus, EscalationResolvedEvent, (event) =>
      ours(event.sessionId, () => {
        pending.remove(event.ticketId);
        const by = event.approver ? ` by ${terminalSafe(event.approver, { maxLength: 100 })}` : '';
        print(
          `  · escalation ${terminalSafe(event.ticketId)} [${terminalSafe(ticketShortCode(event.ticketId))}]: ` +
            `${event.status}${by}`,
        );
      }),
    ),
  ];
  await options.bus.connection.flush();
  const lines = createInterface({ input: options.input, terminal: false });
  const lost = options.lost.then((message) => ({ by: 'lost', message }) as const);
  const reportLost = (message: string, id: string | undefined) => {
    void options.errorOutput.write(`ironcurtain: ${message}\n`);
    return { exitCode: 1, ...(id === undefined ? {} : { sessionId: id }) };
  };
  try {
    const started = await Promise.race([
      request(options.bus, SessionStart, { agent: 'builtin', ...options.start }, { timeoutMs: 60_000 }),
      lost,
    ]);
    if ('by' in started) return reportLost(started.message, undefined);
    sessionId = started.sessionId;
    const id = started.sessionId;
    const sandbox = started.workspace ?? join(options.home, 'sessions', id, 'sandbox');
    print(
      `session ${id} — ${started.workspace === undefined ? 'sandbox' : 'workspace'}: ${terminalSafe(sandbox)}`,
    );
    for (const replay of early.splice(0)) replay();
    const turnEnded = new Promise<StatusEvent>((resolve) => {
      settleTurn = (event) => {
        if (event.turnOutcome !== undefined && options.isSingleShot) resolve(event);
        if (event.status === 'stopped' || event.status === 'failed') resolve(event);
        if (event.turnOutcome !== undefined && !options.isSingleShot)
          print('  · ready for your next message (/quit to end)');
      };
    });
    const commandContext = {
      bus: options.bus,
      home: options.home,
      sessionId: id,
      approver: options.approver,
      pending,
      codes,
      shouldAskYesNo: options.shouldAskOnEscalation,
      isSingleShot: options.isSingleShot,
      print,
    };
    const quit = new Promise<'quit'>((resolve) => {
      lines.on('line', (line) => {
        handleSessionLine(line.trim(), commandContext).then(
          (result) => result === 'quit' && resolve('quit'),
          (error: unknown) => print(`  · ${terminalSafe((error as Error).message, { maxLength: 500 })}`),
        );
      });
    });
    const end: SessionEnd = await Promise.race([
      turnEnded.then((event) => ({ by: 'turn', event }) as const),
      quit.then(() => ({ by: 'quit' }) as const),
      options.interrupted.then((signal) => ({ by: 'signal', signal }) as const),
      lost,
    ]);
    const summary = () => formatToolCallTally(tally, 'in this session').forEach(print);
    if (end.by === 'lost') {
      summary(); // the stack is gone, so no stop can be asked: the summary counts what this terminal saw
      return reportLost(end.message, id);
    }
    if (end.by !== 'turn' || end.event.status !== 'stopped') {
      await request(options.bus, SessionStop, { sessionId: id, reason: 'ended from the terminal' }).catch(
        () => undefined,
      );
    }
    if (end.by === 'signal') {
      const how = options.isSingleShot ? 'aborted' : 'ended';
      print(
        `  · ${how} by ${end.signal}: the session is stopped (resume it with --resume ${terminalSafe(id)})`,
      );
    }
    summary();
    if (end.by === 'quit') return { exitCode: 0, sessionId: id };
    if (end.by === 'signal')
      return { exitCode: options.isSingleShot ? (turnExitCodes['aborted'] ?? 1) : 0, sessionId: id };
    return { exitCode: turnExitCodes[end.event.turnOutcome ?? 'failed'] ?? 1, sessionId: id };
  } finally {
    lines.close();
    for (const subscription of subscriptions) subscription.unsubscribe();
  }
}
