import { join } from 'node:path';
import type { Command } from 'commander';
import { request } from '@ironcurtain/bus';
import { SessionList } from '@ironcurtain/proto-schemas';
import type { CliContext } from '../../cli-context.js';
import { connectCliBus } from '../../domain/cli-bus.js';
import { resolveCliNats } from '../../domain/cli-nats.js';
import { answerTicket, listPendingTickets } from '../../domain/escalations/escalation-client.js';
import { runEscalationListener } from '../../domain/escalations/listener-console.js';
import { acquireSingleInstanceLock } from '../../domain/escalations/single-instance-lock.js';
import { stackPaths } from '../../domain/stack/stack-paths.js';
import { homeOf } from '../policy/policy-options.js';

/** The terminal's bell, which the CLI's (terminal-safe) stdout never lets through. */
export interface TerminalBell {
  ringBell(): void;
}

// Long enough to read a ticket that arrived as Enter was pressed; short enough not to be in the way.
const approveAllGraceMs = 2000;
const sessionListTimeoutMs = 2000;

/**
 * `ironcurtain escalation-listener`: one dashboard for the pending escalations of every session of the stack, with
 * `/approve N`, `/deny N`, `/approve all`, `/deny all`, `/list`, `/sessions` and `/quit`. One per IRONCURTAIN_HOME.
 */
export function registerEscalationListenerCommand(
  program: Command,
  context: CliContext,
  bell: TerminalBell,
): void {
  program
    .command('escalation-listener')
    .description(
      'one dashboard for the tool calls waiting for approval in every running session: numbered, live, with a ' +
        'bell for each new one; answer them with /approve N and /deny N. One listener per IRONCURTAIN_HOME',
    )
    .action(async () => {
      await listen(context, bell);
      context.setExitCode(0);
    });
}

async function listen(context: CliContext, bell: TerminalBell): Promise<void> {
  const home = homeOf(context);
  const lock = await acquireSingleInstanceLock({
    file: join(stackPaths(home).runDirectory, 'escalation-listener.lock'),
    pid: context.pid,
    holderName: `an escalation-listener for ${home}`,
  });
  let interrupt: () => void = () => undefined;
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
  // Handled rather than fatal, so that the lock file is removed on the way out.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) context.onSignal(signal, () => interrupt());
  try {
    const settings = await resolveCliNats(context.env, home);
    const approver = context.userName();
    const bus = await connectCliBus(settings);
    try {
      await runEscalationListener({
        bus,
        listTickets: () => listPendingTickets(settings),
        answerTicket: (ticketId, decision) =>
          answerTicket(settings, { ticket: ticketId, decision, approver, allowSimilar: false }),
        listSessions: async () =>
          (await request(bus, SessionList, {}, { timeoutMs: sessionListTimeoutMs })).sessions,
        approveAllGraceMs,
        input: context.stdin,
        output: context.stdout,
        ringBell: () => bell.ringBell(),
        interrupted,
        now: () => Date.now(),
      });
    } finally {
      await bus.close();
    }
  } finally {
    await lock.release();
  }
}
