import type { Command } from 'commander';
import type { CliContext } from '../../cli-context.js';
import { resolveCliNats } from '../../domain/cli-nats.js';
import { answerTicket } from '../../domain/escalations/escalation-client.js';
import { formatResolveReply } from '../../domain/escalations/escalation-report.js';
import { homeOf } from '../policy/policy-options.js';

/** `ironcurtain approve ID [--similar]` and `ironcurtain deny ID`: answer a ticket from any terminal. */
export function registerApproveCommand(program: Command, context: CliContext): void {
  program
    .command('approve')
    .description('approve a pending tool call (see `ironcurtain escalations`); the first answer wins')
    .argument('<id>', 'the ticket id or its code, e.g. esc_3f9a0c1d2e4b5a6c or 3f9a0c')
    .option(
      '--similar',
      'also allow similar calls for the rest of the session: same server, and each escalated resource in the same ' +
        'directory, on the same domain or repository, or the same identifier',
    )
    .action(async (ticketId: string, options: { similar?: boolean }) => {
      await answer(context, ticketId, 'approved', options.similar === true);
    });
}

/** `ironcurtain deny ID`. */
export function registerDenyCommand(program: Command, context: CliContext): void {
  program
    .command('deny')
    .description('deny a pending tool call (see `ironcurtain escalations`); the first answer wins')
    .argument('<id>', 'the ticket id or its code, e.g. esc_3f9a0c1d2e4b5a6c or 3f9a0c')
    .action(async (ticketId: string) => {
      await answer(context, ticketId, 'denied', false);
    });
}

/**
 * Sends the answer and prints the call it settled (from the ticket, resources first and whole); exit code 0 when it
 * settled the ticket, 1 when someone else's answer (or expiry) came first.
 */
async function answer(
  context: CliContext,
  ticketId: string,
  decision: 'approved' | 'denied',
  allowSimilar: boolean,
): Promise<void> {
  const settings = await resolveCliNats(context.env, homeOf(context));
  const { reply, ticket } = await answerTicket(settings, {
    ticket: ticketId,
    decision,
    approver: context.userName(),
    allowSimilar,
  });
  context.stdout.write(formatResolveReply(reply, decision, ticket));
  context.setExitCode(reply.isAccepted ? 0 : 1);
}
