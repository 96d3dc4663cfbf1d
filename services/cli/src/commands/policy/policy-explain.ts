import type { Command } from 'commander';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { CliContext } from '../../cli-context.js';
import { formatExplanation, formatExplanationJson } from '../../domain/policy/explanation-report.js';
import { createLocalDecider } from '../../domain/policy/local-decision.js';
import { parseToolCall } from '../../domain/session/tool-call-input.js';
import { loadPolicyFor, readAllStdin, withLocationOptions, type LocationOptions } from './policy-options.js';

/** `ironcurtain policy explain [call]`: every invariant and rule one call went through, and the decision. */
export function registerPolicyExplainCommand(policy: Command, context: CliContext): void {
  const command = policy
    .command('explain')
    .description(
      'show, for one call, every check, invariant and rule the policy considered and whether it matched, ' +
        'then the decision',
    )
    .argument(
      '[call]',
      'the call as JSON {"serverName","toolName","arguments"}; read from stdin when omitted',
    )
    .option('--json', 'print the explanation as JSON');
  withLocationOptions(command, { hasSandbox: true }).action(
    async (callText: string | undefined, options: LocationOptions & { json?: boolean }) => {
      const text = callText ?? (await readCallFromStdin(context));
      const parsed = parseToolCall(text.trim());
      if (!parsed.ok)
        throw new AppError(ErrorCode.SchemaInvalid, `cannot explain the call: ${parsed.problem}`);
      const { local, locations } = await loadPolicyFor(context, options);
      const explanation = createLocalDecider(local, locations.sandboxDir).explain(parsed.call);
      const identity = { policyDir: locations.policyDir, policyHash: local.policy.policyHash };
      context.stdout.write(
        options.json === true
          ? formatExplanationJson(explanation, identity)
          : formatExplanation(explanation, identity),
      );
      context.setExitCode(0);
    },
  );
}

async function readCallFromStdin(context: CliContext): Promise<string> {
  if (context.stdin.isTTY === true) {
    throw new AppError(
      ErrorCode.SchemaInvalid,
      'give the call as an argument (ironcurtain policy explain \'{"serverName":…}\') or pipe it on stdin',
    );
  }
  return readAllStdin(context);
}
