import type { Command } from 'commander';
import type { CliContext } from '../../cli-context.js';
import { registerPolicyActivateCommand } from './policy-activate.js';
import { registerPolicyEvalCommand } from './policy-eval.js';
import { registerPolicyExplainCommand } from './policy-explain.js';
import { registerPolicyReplayCommand } from './policy-replay.js';
import { registerPolicyVerifyCommand } from './policy-verify.js';

/** `ironcurtain policy <eval|explain|verify|replay|activate>`. */
export function registerPolicyCommand(program: Command, context: CliContext): void {
  const policy = program
    .command('policy')
    .description('try, check and activate policies (all but activate work without a running stack)');
  registerPolicyEvalCommand(policy, context);
  registerPolicyExplainCommand(policy, context);
  registerPolicyVerifyCommand(policy, context);
  registerPolicyReplayCommand(policy, context);
  registerPolicyActivateCommand(policy, context);
}
