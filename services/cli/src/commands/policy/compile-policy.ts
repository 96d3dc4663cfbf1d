import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../../cli-context.js';
import {
  activateCompiledPolicy,
  formatReplaySummary,
  replayPastAudits,
} from '../../domain/compile/compile-activation.js';
import { createPdpListToolCaller } from '../../domain/compile/compile-list-tools.js';
import { configuredCompileModel, createCompileAskContext } from '../../domain/compile/compile-llm.js';
import { resolveCompileLocations } from '../../domain/compile/compile-locations.js';
import { createProgressPrinter } from '../../domain/compile/compile-progress.js';
import { runCompile } from '../../domain/compile/compile-run.js';
import { formatCompileSummary, summarizeCompile } from '../../domain/compile/compile-summary.js';
import { formatTraceability } from '@ironcurtain/policy-compiler';
import { homeOf } from './policy-options.js';

interface CompileOptions {
  model?: string;
  concurrency: number;
  outDir?: string;
  annotations?: string;
  mcpConfig?: string;
  activate: boolean;
  json?: boolean;
}

/** `ironcurtain compile-policy`: constitution → verified policy → activation. */
export function registerCompilePolicyCommand(program: Command, context: CliContext): void {
  program
    .command('compile-policy')
    .description(
      'compile the constitution (IRONCURTAIN_HOME or shipped) into rules, lists and scenarios, verify them on the ' +
        'engine with up to 3 judge-and-repair rounds, write the policy and activate it; exits 1 and changes ' +
        'nothing when verification fails',
    )
    .option(
      '--model <id>',
      'provider:model (default IRONCURTAIN_POLICY_MODEL, else anthropic:claude-sonnet-4-6)',
    )
    .option('--concurrency <count>', 'servers compiled at once', parsePositive, 3)
    .option('--out-dir <dir>', 'where the policy is written (default IRONCURTAIN_HOME/generated)')
    .option(
      '--annotations <file>',
      'tool-annotations.json to compile against (default: annotate-tools output, else shipped)',
    )
    .option('--mcp-config <file>', 'the MCP server config (domain gates; default: the shipped one)')
    .option('--no-activate', 'write the policy but do not publish it to a running stack')
    .option('--json', 'print the result as JSON (progress goes to stderr as JSON lines)')
    .action(async (options: CompileOptions) => {
      const isJson = options.json === true;
      const home = homeOf(context);
      const locations = await resolveCompileLocations(home, context.cwd, options);
      const ask = createCompileAskContext(
        context.env,
        locations.workDir,
        options.model,
        await configuredCompileModel(home, context.stderr),
      );
      const run = await runCompile(locations, {
        ask,
        homeDirectory: context.homeDirectory,
        cwd: context.cwd,
        concurrency: options.concurrency,
        callTool: createPdpListToolCaller(context.env, home),
        onProgress: createProgressPrinter(context.stderr, isJson),
      });
      const summary = summarizeCompile(run.result);
      if (!run.result.isVerified) {
        const why = `verification failed: nothing was written to ${locations.outDir} and nothing was activated`;
        context.stdout.write(
          isJson
            ? `${JSON.stringify({ ...summary, outDir: locations.outDir, report: run.reportFile, llmLog: ask.logFile })}\n`
            : `${formatCompileSummary(summary)}compile-policy: ${why}\nreport: ${run.reportFile}\n`,
        );
        context.setExitCode(1);
        return;
      }
      const activation = options.activate
        ? await activateCompiledPolicy(context.env, home, locations.outDir, context.userName())
        : undefined;
      const replays = await replayPastAudits({
        home,
        policyDir: locations.outDir,
        mcpConfigPath: locations.mcpConfigPath,
        homeDir: context.homeDirectory,
        cwd: context.cwd,
      });
      if (isJson) {
        const json = {
          ...summary,
          outDir: locations.outDir,
          traceability: run.result.traceability,
          activation,
          replays,
        };
        context.stdout.write(`${JSON.stringify({ ...json, report: run.reportFile, llmLog: ask.logFile })}\n`);
      } else {
        context.stdout.write(
          (run.result.traceability === undefined ? '' : `${formatTraceability(run.result.traceability)}\n`) +
            formatCompileSummary(summary) +
            `wrote ${locations.outDir} (traceability: ${run.traceabilityFile ?? 'none'}; LLM log: ${ask.logFile})\n` +
            describeActivation(activation) +
            formatReplaySummary(replays),
        );
      }
      context.setExitCode(0);
    });
}

function describeActivation(
  activation: Awaited<ReturnType<typeof activateCompiledPolicy>> | undefined,
): string {
  if (activation === undefined) return 'not activated (--no-activate)\n';
  return activation.activated
    ? `activated policy ${activation.policyHash} (KV policy/active, revision ${activation.revision})\n`
    : `not activated: ${activation.why}\n`;
}

function parsePositive(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return count;
}
