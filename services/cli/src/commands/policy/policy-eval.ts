import type { Command } from 'commander';
import type { CliContext } from '../../cli-context.js';
import { createLocalDecider } from '../../domain/policy/local-decision.js';
import { evaluateCallLines } from '../../domain/policy/policy-eval.js';
import { loadPolicyFor, stdinLines, withLocationOptions, type LocationOptions } from './policy-options.js';

/** `ironcurtain policy eval`: JSON calls on stdin, one JSON decision per call on stdout. */
export function registerPolicyEvalCommand(policy: Command, context: CliContext): void {
  const command = policy
    .command('eval')
    .description(
      'decide tool calls locally: reads one {"serverName","toolName","arguments"} JSON object per line on stdin ' +
        'and writes one {"decision","rule","reason"} line per call',
    );
  withLocationOptions(command, { hasSandbox: true }).action(async (options: LocationOptions) => {
    const { local, locations } = await loadPolicyFor(context, options);
    const decider = createLocalDecider(local, locations.sandboxDir);
    await evaluateCallLines(stdinLines(context), decider, (text) => context.stdout.write(text));
    context.setExitCode(0);
  });
}
