import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { request, subscribe, type Bus } from '@ironcurtain/bus';
import {
  EscalationOpenedEvent,
  EscalationResolve,
  EscalationResolvedEvent,
  SessionBudget,
  SessionBudgetEvent,
  SessionOutputEvent,
  SessionSend,
  SessionStart,
  SessionStatusEvent,
  SessionStop,
  type PayloadOf,
} from '@ironcurtain/proto-schemas';
import type { TextOutput } from '../../cli-context.js';
import { formatBudget, formatEscalation, formatOutput } from './session-view.js';

type Ticket = PayloadOf<typeof EscalationOpenedEvent>['ticket'];
type StatusEvent = PayloadOf<typeof SessionStatusEvent>;

/** What a session in the terminal needs. */
export interface SessionConsoleOptions {
  bus: Bus;
  home: string;
  input: NodeJS.ReadableStream;
  output: TextOutput;
  start: { task?: string; model?: string; resumeSessionId?: string; userId: string };
  /** Single shot: the process ends when the first turn does. Interactive: the user types tasks until /quit. */
  isSingleShot: boolean;
  /** Ask "approve? [y/N]" for each escalation (the demo) instead of waiting for /approve or /deny. */
  shouldAskOnEscalation: boolean;
  approver: string;
  /** Resolves when the user interrupts (Ctrl-C). */
  interrupted: Promise<void>;
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
 * Runs one session in the terminal: starts (or resumes) it, prints what the agent says and does, shows escalations
 * and answers them, and takes `/approve`, `/deny`, `/budget`, `/logs`, `/quit` and new tasks. Resolves with the
 * exit code and the session id.
 */
export async function runSessionConsole(
  options: SessionConsoleOptions,
): Promise<{ exitCode: number; sessionId?: string }> {
  const print = (line: string): void => void options.output.write(`${line}\n`);
  const early: Array<() => void> = [];
  let sessionId: string | undefined;
  const pending: Ticket[] = [];
  let settleTurn: (event: StatusEvent) => void = () => undefined;
  const ours = (id: string, show: () => void): void => {
    if (sessionId === undefined) early.push(() => id === sessionId && show());
    else if (id === sessionId) show();
  };
  const subscriptions = [
    subscribe(options.bus, SessionOutputEvent, (event) =>
      ours(event.sessionId, () => print(formatOutput(event))),
    ),
    subscribe(options.bus, SessionBudgetEvent, (event) =>
      ours(event.sessionId, () => print(formatBudget(event))),
    ),
    subscribe(options.bus, SessionStatusEvent, (event) => ours(event.sessionId, () => settleTurn(event))),
    subscribe(options.bus, EscalationOpenedEvent, ({ ticket }) =>
      ours(ticket.sessionId, () => {
        pending.push(ticket);
        print(formatEscalation(ticket));
        print(options.shouldAskOnEscalation ? '    approve? [y/N]' : '    answer with /approve or /deny');
      }),
    ),
    subscribe(options.bus, EscalationResolvedEvent, (event) =>
      ours(event.sessionId, () => {
        const index = pending.findIndex((ticket) => ticket.id === event.ticketId);
        if (index !== -1) pending.splice(index, 1);
        print(
          `  · escalation ${event.ticketId}: ${event.status}${event.approver ? ` by ${event.approver}` : ''}`,
        );
      }),
    ),
  ];
  await options.bus.connection.flush();
  const lines = createInterface({ input: options.input, terminal: false });
  try {
    const started = await request(
      options.bus,
      SessionStart,
      { agent: 'builtin', ...options.start },
      { timeoutMs: 60_000 },
    );
    sessionId = started.sessionId;
    const id = started.sessionId;
    print(`session ${id} — sandbox: ${join(options.home, 'sessions', id, 'sandbox')}`);
    for (const replay of early.splice(0)) replay();
    const answer = async (decision: 'approved' | 'denied', ticketId?: string): Promise<void> => {
      const ticket = ticketId ?? pending[0]?.id;
      if (ticket === undefined) return print('  · no approval is waiting');
      const reply = await request(options.bus, EscalationResolve, {
        ticketId: ticket,
        decision,
        approver: options.approver,
        channel: 'terminal',
        allowSimilar: false,
      });
      if (!reply.isAccepted)
        print(`  · ${ticket} was already ${reply.status} by ${reply.resolvedBy ?? 'someone else'}`);
    };
    const turnEnded = new Promise<StatusEvent>((resolve) => {
      settleTurn = (event) => {
        if (event.turnOutcome !== undefined && options.isSingleShot) resolve(event);
        if (event.status === 'stopped' || event.status === 'failed') resolve(event);
        if (event.turnOutcome !== undefined && !options.isSingleShot)
          print('  · ready for your next message (/quit to end)');
      };
    });
    const quit = new Promise<'quit'>((resolve) => {
      lines.on('line', (line) => {
        void handleLine(line.trim()).catch((error: unknown) => print(`  · ${(error as Error).message}`));
      });
      const handleLine = async (line: string): Promise<void> => {
        if (line === '') return;
        if (options.shouldAskOnEscalation && pending.length > 0 && /^(y|yes|n|no)$/i.test(line)) {
          return answer(/^y/i.test(line) ? 'approved' : 'denied');
        }
        const [command, argument] = line.split(/\s+/, 2);
        switch (command) {
          case '/approve':
            return answer('approved', argument);
          case '/deny':
            return answer('denied', argument);
          case '/budget':
            return printBudget(options.bus, id, print);
          case '/logs':
            return printLogs(options.home, id, print);
          case '/quit':
            return resolve('quit');
          default:
            if (line.startsWith('/'))
              return print('  · commands: /approve [id], /deny [id], /budget, /logs, /quit');
            if (options.isSingleShot) return print('  · single-shot session: only commands are read');
            await request(options.bus, SessionSend, { sessionId: id, message: line });
        }
      };
    });
    const end = await Promise.race([turnEnded, quit, options.interrupted.then(() => 'quit' as const)]);
    if (end === 'quit' || end.status !== 'stopped') {
      await request(options.bus, SessionStop, { sessionId: id, reason: 'ended from the terminal' }).catch(
        () => undefined,
      );
    }
    if (end === 'quit') return { exitCode: 0, sessionId: id };
    return { exitCode: turnExitCodes[end.turnOutcome ?? 'failed'] ?? 1, sessionId: id };
  } finally {
    lines.close();
    for (const subscription of subscriptions) subscription.unsubscribe();
  }
}

async function printBudget(bus: Bus, sessionId: string, print: (line: string) => void): Promise<void> {
  const budget = await request(bus, SessionBudget, { sessionId });
  const amount = (value: number | null) =>
    value === null ? 'unlimited' : String(Math.round(value * 100) / 100);
  for (const scope of ['session', 'turn'] as const) {
    for (const [dimension, status] of Object.entries(budget[scope])) {
      if (scope === 'turn' && status.limit === null) continue;
      print(
        `  · ${scope === 'turn' ? 'this turn, ' : ''}${dimension}: ${amount(status.used)} of ${amount(status.limit)}`,
      );
    }
  }
  for (const note of budget.notes) print(`  · ${note}`);
}

async function printLogs(home: string, sessionId: string, print: (line: string) => void): Promise<void> {
  const file = join(home, 'sessions', sessionId, 'transcript.jsonl');
  const text = await readFile(file, 'utf8').catch(() => '');
  const entries = text.trim() === '' ? [] : text.trim().split('\n').slice(-20);
  print(`  · last ${entries.length} transcript entries (${file}):`);
  for (const entry of entries) {
    const parsed = JSON.parse(entry) as { at: string; kind: string; text: string };
    print(`    ${parsed.at} ${parsed.kind}: ${parsed.text.split('\n', 1)[0]}`);
  }
}
