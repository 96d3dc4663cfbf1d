import { InvalidArgumentError, type Command } from 'commander';
import { resolveHome } from '@ironcurtain/config';
import { serviceSettingsOf } from '@ironcurtain/user-config';
import type { CliContext } from '../cli-context.js';
import { runLocalStack } from '../domain/stack/local-stack.js';
import { invalidUserConfigExitCode, readUserConfigForCommand } from '../domain/stack/stack-user-config.js';

/** `ironcurtain up [--ready-timeout <seconds>]`: runs the local stack in the foreground until SIGINT/SIGTERM. */
export function registerUpCommand(program: Command, context: CliContext): void {
  program
    .command('up')
    .description(
      'start the local stack (nats-server unless NATS_URL is set, and the seven services) and supervise it; ' +
        'Ctrl-C stops everything',
    )
    .option('--ready-timeout <seconds>', 'how long every service has to answer $SRV.PING', parseSeconds, 20)
    .action(async (options: { readyTimeout: number }) => {
      const home = resolveHome(context.env['IRONCURTAIN_HOME'], context.homeDirectory);
      // Read once, before anything starts: an invalid config.json stops `up` here.
      const userConfig = await readUserConfigForCommand(home, context.stderr);
      if (userConfig === undefined) {
        context.setExitCode(invalidUserConfigExitCode);
        return;
      }
      const report = (line: string): void => void context.stdout.write(`${line}\n`);
      const stopRequested = new AbortController();
      const onStopSignal = (signal: string) => () => {
        if (stopRequested.signal.aborted) {
          report(`received ${signal} again; still waiting for the services to exit`);
          return;
        }
        report(`received ${signal}`);
        stopRequested.abort();
      };
      // SIGHUP too: closing the terminal must stop the stack cleanly, not kill the supervisor and orphan nats-server.
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
        context.onSignal(signal, onStopSignal(signal));
      const exitCode = await runLocalStack({
        home,
        env: context.env,
        serviceSettings: serviceSettingsOf(userConfig.config),
        supervisorPid: context.pid,
        nodePath: context.nodePath,
        readyTimeoutMs: options.readyTimeout * 1000,
        stopRequested: stopRequested.signal,
        report,
        signal: { config: userConfig.config, userIds: context.userIds },
      });
      context.setExitCode(exitCode);
    });
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new InvalidArgumentError('expected a number of seconds > 0');
  return seconds;
}
