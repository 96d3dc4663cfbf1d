import type { Command } from 'commander';
import { terminalSafeJson } from '@ironcurtain/terminal-text';
import type { CliContext } from '../../cli-context.js';
import { resolveCliNats } from '../../domain/cli-nats.js';
import { listPendingTickets } from '../../domain/escalations/escalation-client.js';
import { formatPendingTickets } from '../../domain/escalations/escalation-report.js';
import { homeOf } from '../policy/policy-options.js';

/** `ironcurtain escalations [--session ID] [--json]`: the tickets waiting for a human. */
export function registerEscalationsCommand(program: Command, context: CliContext): void {
  program
    .command('escalations')
    .description(
      'list the tool calls waiting for approval (tool, arguments, reason, session, age) in the running stack',
    )
    .option('--session <id>', 'only the tickets of this session')
    .option('--json', 'print the tickets as JSON')
    .action(async (options: { session?: string; json?: boolean }) => {
      const settings = await resolveCliNats(context.env, homeOf(context));
      const tickets = await listPendingTickets(settings, options.session);
      context.stdout.write(
        options.json === true
          ? `${terminalSafeJson({ tickets }, 2)}\n`
          : formatPendingTickets(tickets, new Date()),
      );
      context.setExitCode(0);
    });
}
