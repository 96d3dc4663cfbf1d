import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { isInteractiveTerminal, runSetupInTerminal } from '../domain/config/setup-run.js';
import { homeOf } from './policy/policy-options.js';

/** `ironcurtain setup`: the first-start wizard, writing IRONCURTAIN_HOME/config.json (0600). */
export function registerSetupCommand(program: Command, context: CliContext): void {
  program
    .command('setup')
    .description(
      'answer a few questions (model provider and key, default model, web search, GitHub token, auto-approve) ' +
        'and write config.json; re-run it to change them. Needs a terminal; scripts use `ironcurtain config set`',
    )
    .action(async () => {
      if (!isInteractiveTerminal(context)) {
        context.stderr.write(
          'ironcurtain: setup asks questions and needs a terminal; in scripts use `ironcurtain config set KEY VALUE`\n',
        );
        context.setExitCode(2);
        return;
      }
      const isWritten = await runSetupInTerminal(context, homeOf(context));
      // 130: ended by Ctrl-C, as a shell reports it.
      context.setExitCode(isWritten ? 0 : 130);
    });
}
