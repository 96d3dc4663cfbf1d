import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { createCommandRunner, findExecutableOn } from '../domain/doctor/command-runner.js';
import { runDoctorChecks } from '../domain/doctor/doctor-checks.js';
import { hasProblem, type CheckResult } from '../domain/doctor/doctor-result.js';

/** `ironcurtain doctor [--json]`: checks the machine; exit code 1 when any check is a problem. */
export function registerDoctorCommand(program: Command, context: CliContext): void {
  program
    .command('doctor')
    .description('check that this machine can run IronCurtain (exit code 1 on any problem)')
    .option('--json', 'print the results as JSON')
    .action(async (options: { json?: boolean }) => {
      const results = await runDoctorChecks({
        env: context.env,
        nodeVersion: context.nodeVersion,
        homeDirectory: context.homeDirectory,
        findExecutable: findExecutableOn(context.env['PATH']),
        runCommand: createCommandRunner(context.env),
      });
      context.stdout.write(options.json === true ? formatJson(results) : formatReport(results));
      context.setExitCode(hasProblem(results) ? 1 : 0);
    });
}

function formatJson(results: readonly CheckResult[]): string {
  return `${JSON.stringify({ ok: !hasProblem(results), checks: results }, null, 2)}\n`;
}

/** One line per check, its fix indented below it, and a count at the end. */
export function formatReport(results: readonly CheckResult[]): string {
  const checkWidth = Math.max(...results.map((result) => result.check.length));
  const indent = ' '.repeat(9 + checkWidth + 2);
  const lines = results.flatMap((result) => {
    const line = `${result.status.padEnd(9)}${result.check.padEnd(checkWidth + 2)}${result.summary}`;
    return result.fix === undefined ? [line] : [line, `${indent}fix: ${result.fix}`];
  });
  const problems = results.filter((result) => result.status === 'problem').length;
  const warnings = results.filter((result) => result.status === 'warning').length;
  const total =
    problems + warnings === 0
      ? 'all checks passed'
      : `${count(problems, 'problem')}, ${count(warnings, 'warning')}`;
  return `${lines.join('\n')}\n\n${total}\n`;
}

function count(amount: number, noun: string): string {
  return `${amount} ${noun}${amount === 1 ? '' : 's'}`;
}
