import { resolve } from 'node:path';
import type { Command } from 'commander';
import { activePolicyKey, policyBucket } from '@ironcurtain/proto-schemas';
import type { CliContext } from '../cli-context.js';
import { resolveCliNats } from '../domain/cli-nats.js';
import { bindLocalPolicy } from '../domain/policy/local-decision.js';
import {
  buildPolicyBundle,
  loadPolicyForActivation,
  type PolicyForActivation,
} from '../domain/policy/policy-bundle.js';
import { shippedMcpConfig } from '../domain/policy/policy-locations.js';
import { publishPolicyBundle } from '../domain/policy/policy-publish.js';
import { formatVerifyReport, verifyPolicy } from '../domain/policy/policy-verify.js';
import { homeOf } from './policy-options.js';

interface ActivateOptions {
  skipVerify?: boolean;
  mcpConfig?: string;
}

/** `ironcurtain policy activate DIR`: validate, verify, publish to KV `policy`/`active`. */
export function registerPolicyActivateCommand(policy: Command, context: CliContext): void {
  policy
    .command('activate')
    .description(
      'validate the policy in DIR, run its test-scenarios.json, and make it the active policy of the running ' +
        'stack (NATS_URL, or the local stack of `ironcurtain up`)',
    )
    .argument('<dir>', 'the policy folder (compiled-policy.json, tool-annotations.json, …)')
    .option('--skip-verify', 'activate even when test scenarios fail')
    .option(
      '--mcp-config <file>',
      'the MCP server config the scenarios are verified with (default: the shipped one)',
    )
    .action(async (directory: string, options: ActivateOptions) => {
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
