import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { runSignalBot } from '../domain/signal/signal-bot.js';
import { invalidUserConfigExitCode, readUserConfigForCommand } from '../domain/stack/stack-user-config.js';
import { homeOf } from './policy/policy-options.js';

/** `ironcurtain bot`: the signal-bridge in the foreground against the running stack, until Ctrl-C. */
export function registerBotCommand(program: Command, context: CliContext): void {
  program
    .command('bot')
    .description(
      'run the Signal bridge in the foreground against the running stack (for a stack started without Signal, or ' +
        'to watch it); `ironcurtain up` already runs it when Signal is configured. Ctrl-C stops it',
    )
    .action(async () => {
      const home = homeOf(context);
      const userConfig = await readUserConfigForCommand(home, context.stderr);
      if (userConfig === undefined) {
        context.setExitCode(invalidUserConfigExitCode);
        return;
      }
      const report = (line: string): void => void context.stderr.write(`ironcurtain: ${line}\n`);
      const stopRequested = new AbortController();
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
        context.onSignal(signal, () => stopRequested.abort());
      const exitCode = await runSignalBot({
        home,
        env: context.env,
        config: userConfig.config,
        nodePath: context.nodePath,
        userIds: context.userIds,
        output: context.stdout,
        report,
        stopRequested: stopRequested.signal,
      });
      context.setExitCode(exitCode);
    });
}
