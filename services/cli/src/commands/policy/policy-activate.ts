import { resolve } from 'node:path';
import type { Command } from 'commander';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { activePolicyKey, policyBucket } from '@ironcurtain/proto-schemas';
import type { CliContext } from '../../cli-context.js';
import { resolveCliNats } from '../../domain/cli-nats.js';
import { ensureActivePolicy } from '../../domain/policy/initial-policy.js';
import { bindLocalPolicy } from '../../domain/policy/local-decision.js';
import {
  buildPolicyBundle,
  loadPolicyForActivation,
  type PolicyForActivation,
} from '../../domain/policy/policy-bundle.js';
import { shippedMcpConfig } from '../../domain/policy/policy-locations.js';
import { publishPolicyBundle } from '../../domain/policy/policy-publish.js';
import { formatVerifyReport, verifyPolicy } from '../../domain/policy/policy-verify.js';
import { homeOf } from './policy-options.js';

interface ActivateOptions {
  skipVerify?: boolean;
  mcpConfig?: string;
  ifNone?: boolean;
}

/**
 * `ironcurtain policy activate DIR`: validate, verify, publish to KV `policy`/`active`. With `--if-none` (the
 * compose stack's `policy-init`), only when no policy is active: DIR, or else what `ironcurtain up` activates.
 */
export function registerPolicyActivateCommand(policy: Command, context: CliContext): void {
  policy
    .command('activate')
    .description(
      'validate the policy in DIR, run its test-scenarios.json, and make it the active policy of the running ' +
        'stack (NATS_URL, or the local stack of `ironcurtain up`)',
    )
    .argument(
      '[dir]',
      'the policy folder (compiled-policy.json, tool-annotations.json, …); with --if-none, default: ' +
        '$IRONCURTAIN_HOME/generated if it holds compiled-policy.json, else the policy IronCurtain ships with',
    )
    .option('--skip-verify', 'activate even when test scenarios fail')
    .option(
      '--mcp-config <file>',
      'the MCP server config the scenarios are verified with (default: the shipped one)',
    )
    .option(
      '--if-none',
      'only when no policy is active (an active one is never replaced; exit 0 either way, saying which), ' +
        'without running test scenarios, as `ironcurtain up` does at start',
    )
    .action(async (directory: string | undefined, options: ActivateOptions) => {
      if (options.ifNone === true) {
        await activateIfNone(context, directory);
        return;
      }
      if (directory === undefined) {
        throw new AppError(
          ErrorCode.ConfigInvalid,
          'give the policy folder (`ironcurtain policy activate DIR`), or --if-none to activate the default ' +
            'policy when none is active',
        );
      }
      const source = resolve(context.cwd, directory);
      const activation = await loadPolicyForActivation(source);
      // Before the scenarios run: a missing stack is found out at once, not after a long verify.
      const settings = await resolveCliNats(context.env, homeOf(context));
      if (!(await verifyBeforeActivation(context, activation, source, options))) {
        context.setExitCode(1);
        return;
      }
      const bundle = buildPolicyBundle(activation, {
        activatedAt: new Date(),
        activatedBy: context.userName(),
        source,
      });
      const revision = await publishPolicyBundle(settings, bundle);
      const rules = activation.policy.compiledPolicy.rules.length;
      context.stdout.write(
        `activated policy ${bundle.policyHash} (${rules} rule${rules === 1 ? '' : 's'}) from ${source}\n` +
          `published to KV ${policyBucket}/${activePolicyKey}, revision ${revision}\n`,
      );
      context.setExitCode(0);
    });
}

/**
 * `--if-none`: activates DIR (or the default policy) only when KV `policy/active` is empty. Exit 0 when a policy is
 * active afterwards (found or activated), 1 when none is because the policy could not be loaded.
 */
async function activateIfNone(context: CliContext, directory: string | undefined): Promise<void> {
  const settings = await resolveCliNats(context.env, homeOf(context));
  const outcome = await ensureActivePolicy(settings, homeOf(context), () => undefined, {
    ...(directory === undefined ? {} : { directory: resolve(context.cwd, directory) }),
    activatedBy: context.userName(),
  });
  switch (outcome.status) {
    case 'already-active':
      context.stdout.write(
        `a policy is active already, left as it is: ${outcome.policyHash} from ${outcome.source ?? 'KV'}\n`,
      );
      context.setExitCode(0);
      return;
    case 'activated':
      context.stdout.write(
        `no policy was active: activated policy ${outcome.policyHash} from ${outcome.source}\n` +
          `published to KV ${policyBucket}/${activePolicyKey}\n`,
      );
      context.setExitCode(0);
      return;
    case 'not-loaded':
      context.stderr.write(
        `ironcurtain: no policy is active, and ${outcome.source} could not be loaded: ${outcome.reason}. ` +
          'Every tool call is denied until a policy is activated.\n',
      );
      context.setExitCode(1);
  }
}

/** Runs the scenarios unless skipped; false (with the failures printed) means do not activate. */
async function verifyBeforeActivation(
  context: CliContext,
  activation: PolicyForActivation,
  source: string,
  options: ActivateOptions,
): Promise<boolean> {
  if (activation.policy.testScenarios === undefined) {
    context.stdout.write(`no test-scenarios.json in ${source}: nothing to verify\n`);
    return true;
  }
  if (options.skipVerify === true) {
    context.stdout.write('skipping test-scenarios.json (--skip-verify)\n');
    return true;
  }
  const home = homeOf(context);
  const local = await bindLocalPolicy(activation.policy, {
    home,
    policyDir: source,
    mcpConfigPath:
      options.mcpConfig === undefined ? await shippedMcpConfig() : resolve(context.cwd, options.mcpConfig),
    homeDir: context.homeDirectory,
    cwd: context.cwd,
  });
  const report = await verifyPolicy(local);
  context.stdout.write(formatVerifyReport(report));
  if (report.failed === 0) return true;
  context.stderr.write(
    `ironcurtain: not activating ${source}: ${report.failed} test scenario${report.failed === 1 ? '' : 's'} ` +
      'failed (fix the policy, or pass --skip-verify to activate it anyway)\n',
  );
  return false;
}
