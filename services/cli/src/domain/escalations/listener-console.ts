import { createInterface } from 'node:readline';
import { subscribe, type Bus } from '@ironcurtain/bus';
import { EscalationOpenedEvent, EscalationResolvedEvent } from '@ironcurtain/proto-schemas';
import { terminalSafe } from '@ironcurtain/terminal-text';
import type { TextOutput } from '../../cli-context.js';
import type { PendingTicket } from './escalation-client.js';
import {
  refreshDashboard,
  runListenerCommand,
  type ListenerActions,
  type ListenerCommandContext,
} from './listener-actions.js';
import { parseListenerCommand } from './listener-commands.js';
import { createListenerDashboard } from './listener-dashboard.js';
import { formatDashboard, formatNewEntry, formatRetired } from './listener-view.js';

/** What `ironcurtain escalation-listener` runs on. */
export interface EscalationListenerOptions extends ListenerActions {
  /** The held connection the listener hears `escalation.evt.*` on. */
  bus: Bus;
  input: NodeJS.ReadableStream;
  output: TextOutput;
  /** Rings the terminal's bell (the output itself never lets a BEL through). */
  ringBell(): void;
  /** Resolves on SIGINT, SIGTERM or SIGHUP. */
  interrupted: Promise<void>;
  now(): number;
}

/**
 * Shows every pending escalation of every session, numbered, and keeps the list current from the router's events
 * (`escalation.evt.opened.v1` rings the bell and shows the ticket; `escalation.evt.resolved.v1` takes it off with a
 * note). Reads `/approve N`, `/deny N`, `/approve all`, `/deny all`, `/list`, `/sessions` and `/quit` until /quit,
 * the end of the input, or a signal.
 */
export async function runEscalationListener(options: EscalationListenerOptions): Promise<void> {
  const print = (text: string): void => void options.output.write(text);
  const dashboard = createListenerDashboard();
  // Answers this listener has sent and not yet heard back: their own reply says how they ended, so the event note
  // would only repeat it.
  const answering = new Set<string>();
  let isLive = false;
  const openedBeforeList: PendingTicket[] = [];
  const showNew = (ticket: PendingTicket): void => {
    const entry = dashboard.add(ticket, options.now());
    if (entry === undefined) return;
    options.ringBell();
    print(formatNewEntry(entry, options.now()));
  };
  // Subscribed before the first list, so no ticket opened or settled in between is missed.
  const subscriptions = [
    subscribe(options.bus, EscalationOpenedEvent, ({ ticket }) =>
      isLive ? showNew(ticket) : void openedBeforeList.push(ticket),
    ),
    subscribe(options.bus, EscalationResolvedEvent, (event) => {
      const retired = dashboard.settle(event);
      if (retired !== undefined && isLive && !answering.has(event.ticketId)) print(formatRetired(retired));
    }),
  ];
  try {
    await options.bus.connection.flush();
    const now = options.now();
    for (const ticket of [...(await options.listTickets()), ...openedBeforeList]) dashboard.add(ticket, now);
    print(formatDashboard(dashboard.pending(), now));
    isLive = true;
    const context: ListenerCommandContext = { ...options, dashboard, answering, print };
    void followReconnects(context, options.bus, () => isLive);
    await readCommands(context, options.input, options.interrupted);
  } finally {
    isLive = false;
    for (const subscription of subscriptions) subscription.unsubscribe();
  }
}

/** Runs the typed commands one at a time (an `/approve all` finishes before the next line), until one says quit. */
async function readCommands(
  context: ListenerCommandContext,
  input: NodeJS.ReadableStream,
  interrupted: Promise<void>,
): Promise<void> {
  // Made only now: whatever was typed while the list loaded waits in the input, and is read after it is shown.
  const lines = createInterface({ input, terminal: false });
  let hasEnded = false;
  const ended = new Promise<void>((resolve) => {
    const end = () => {
      hasEnded = true;
      resolve();
    };
    let queue = Promise.resolve();
    lines.on('line', (line) => {
      queue = queue.then(async () => {
        // Nothing typed after /quit (or a signal) is carried out.
        if (hasEnded) return;
        const command = parseListenerCommand(line);
        if (command.kind === 'quit') return end();
        try {
          await runListenerCommand(command, context);
        } catch (error) {
          context.print(`  · ${terminalSafe((error as Error).message, { maxLength: 500 })}\n`);
        }
      });
    });
    // The end of the input (Ctrl-D, or a closed pipe) ends the listener, after the commands already typed.
    lines.on('close', () => void queue.then(end));
    void interrupted.then(end);
  });
  await ended;
  lines.close();
}

/**
 * After a reconnect, events sent while the connection was down are lost: the list is asked for again, tickets that
 * left it meanwhile are taken off with a note, and new ones are shown (with the bell).
 */
async function followReconnects(
  context: ListenerCommandContext,
  bus: Bus,
  isLive: () => boolean,
): Promise<void> {
  for await (const status of bus.connection.status()) {
    if (!isLive()) return;
    if (status.type === 'disconnect') context.print('  · lost the connection to NATS; reconnecting…\n');
    if (status.type !== 'reconnect') continue;
    context.print('  · reconnected to NATS\n');
    await refreshDashboard(context).catch((error: unknown) =>
      context.print(
        `  · could not ask for the pending escalations again (${terminalSafe((error as Error).message, { maxLength: 300 })}); ` +
          '/list tries again\n',
      ),
    );
  }
}
