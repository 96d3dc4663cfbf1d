import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { isInteractiveTerminal } from '../domain/config/setup-run.js';
import { runSignalSetupInTerminal } from '../domain/signal/signal-setup-run.js';
import { homeOf } from './policy/policy-options.js';

/** `ironcurtain setup-signal [--re-trust]`: the bot's Signal account and the one person it obeys, pinned. */
export function registerSetupSignalCommand(program: Command, context: CliContext): void {
  program
    .command('setup-signal')
    .description(
      "register or link the bot's Signal account, then pin your own number's identity with a code sent to it " +
        '(writes signal.* of config.json). Needs a terminal',
    )
    .option(
      '--re-trust',
      'after your identity changed (new phone, reinstall): challenge again and pin the new one',
    )
    .action(async (options: { reTrust?: boolean }) => {
      if (!isInteractiveTerminal(context)) {
        context.stderr.write(
          'ironcurtain: setup-signal asks questions and types a code back: it needs a terminal ' +
            '(run it in one, not in a script)\n',
        );
        context.setExitCode(2);
        return;
      }
      const isReTrust = options.reTrust === true;
      context.setExitCode(await runSignalSetupInTerminal(context, homeOf(context), { isReTrust }));
    });
}
