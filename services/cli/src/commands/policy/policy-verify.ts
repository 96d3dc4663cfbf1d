import type { Command } from 'commander';
import type { CliContext } from '../../cli-context.js';
import { formatVerifyReport, verifyPolicy, type VerifyReport } from '../../domain/policy/policy-verify.js';
import { loadPolicyFor, withLocationOptions, type LocationOptions } from './policy-options.js';

/** `ironcurtain policy verify`: the policy's test scenarios; exit code 1 on any failure. */
export function registerPolicyVerifyCommand(policy: Command, context: CliContext): void {
  const command = policy
    .command('verify')
    .description(
      "run the policy's test-scenarios.json and report every scenario whose decision is not the expected one " +
        '(exit code 1 on any failure, or when the scenarios are missing or invalid)',
    )
    .option('--json', 'print the report as JSON');
  withLocationOptions(command, { hasSandbox: false }).action(
    async (options: LocationOptions & { json?: boolean }) => {
      const { local, locations } = await loadPolicyFor(context, options);
      const report = await verifyPolicy(local);
      context.stdout.write(
        options.json === true ? formatJson(report, locations.policyDir) : formatVerifyReport(report),
      );
      context.setExitCode(report.failed === 0 ? 0 : 1);
    },
  );
}

function formatJson(report: VerifyReport, policyDir: string): string {
  return `${JSON.stringify({ ok: report.failed === 0, policyDir, ...report }, null, 2)}\n`;
}
