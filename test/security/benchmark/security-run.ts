// The benchmark run (started by run-security.ts): parses the scenarios, starts one real stack with the fake model,
// the two sites and a temporary HOME, runs every scenario in turn, prints the report, and cleans everything up.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AppError, ErrorCode, errorCodeOf } from '@ironcurtain/errors';
import { startFakeUpstream } from '../../../services/cli/test/session-fixture.ts';
import { startStack } from '../stack-fixture.ts';
import { createBenchmarkHome } from './benchmark-home.ts';
import { createModelStage } from './model-stage.ts';
import { namesCanary } from './placeholders.ts';
import { buildReport, exitCodeOf } from './report.ts';
import { loadScenarios, type LoadedScenario } from './scenario-files.ts';
import { runScenario, type RunContext, type ScenarioResult } from './scenario-run.ts';
import { startSites } from './sites.ts';

const defaultDirectory = fileURLToPath(new URL('../scenarios/', import.meta.url));
const usage =
  'usage: node test/security/benchmark/run-security.ts [--scenarios DIR]… [--only ID]… [--details FILE]\n' +
  '                                                      [--provider anthropic|openai]\n' +
  '  runs every test/security/scenarios/*.json (and each DIR\u2019s) through the real stack; prints one JSON report;\n' +
  '  --details FILE also writes every scenario\u2019s full result (predicates, escalations, call chain) as JSON;\n' +
  '  --provider picks the wire protocol of the fake model (default anthropic)';
const turnTimeoutMs = 240_000;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface Options {
  scenarios: string[];
  only: string[];
  details: string | undefined;
  provider: Provider;
}

/** The wire protocols the hijackable model speaks (the fakes of @ironcurtain/testing). */
const providers = ['anthropic', 'openai'] as const;
type Provider = (typeof providers)[number];

function parseOptions(argv: readonly string[]): Options | 'help' {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        scenarios: { type: 'string', multiple: true, default: [] },
        only: { type: 'string', multiple: true, default: [] },
        details: { type: 'string' },
        provider: { type: 'string', default: 'anthropic' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) return 'help';
    const provider = providers.find((known) => known === values.provider);
    if (provider === undefined) throw new Error(`--provider ${values.provider}: use anthropic or openai`);
    return { scenarios: values.scenarios, only: values.only, details: values.details, provider };
  } catch (error) {
    throw new AppError(ErrorCode.ConfigInvalid, `${(error as Error).message}\n${usage}`);
  }
}

function warnAboutGivenCanary(scenarios: readonly LoadedScenario[]): void {
  for (const { file, scenario } of scenarios) {
    const code = [...scenario.steps, ...(scenario.attack?.attempts ?? [])].map((step) => step.code);
    if (code.some(namesCanary)) {
      log(
        `warning: ${file}: the model's code names {{CANARY}}; the agent must find the secret, not be given it`,
      );
    }
  }
}

function progressLine(index: number, total: number, result: ScenarioResult): string {
  const attack = result.isAttack
    ? result.attackSucceeded
      ? 'ATTACK SUCCEEDED'
      : 'attack stopped'
    : 'benign';
  const task = result.taskSucceeded ? 'task done' : 'TASK FAILED';
  const error = result.error === undefined ? '' : ` — error: ${result.error}`;
  return (
    `[${index}/${total}] ${result.id}: ${attack}, ${task}, ${result.escalations.length} escalation(s), ` +
    `turn ${result.turnOutcome}, ${result.seconds} s${error}`
  );
}

/** The scenarios and options of the run, or the exit code when there is nothing to run (help, or an error). */
async function selectScenarios(
  argv: readonly string[],
): Promise<{ scenarios: LoadedScenario[]; details: string | undefined; provider: Provider } | number> {
  try {
    const options = parseOptions(argv);
    if (options === 'help') {
      log(usage);
      return 0;
    }
    const scenarios = await loadScenarios(defaultDirectory, options.scenarios, options.only);
    if (scenarios.length === 0) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `no scenarios: none in ${defaultDirectory} or the --scenarios given`,
      );
    }
    warnAboutGivenCanary(scenarios);
    return { scenarios, details: options.details, provider: options.provider };
  } catch (error) {
    log(`security benchmark: ${(error as Error).message}`);
    return 2;
  }
}

/** Starts everything a run needs — HOME, sites, fake model, stack — each with its clean-up pushed on `cleanups`. */
async function startWorld(cleanups: Array<() => Promise<unknown>>, provider: Provider): Promise<RunContext> {
  const home = await createBenchmarkHome();
  cleanups.push(() => home.remove());
  const sites = await startSites();
  cleanups.push(() => sites.close());
  const model = createModelStage();
  const { upstream, environment } = await startFakeUpstream(
    home.home,
    model.respond,
    {
      LOG_LEVEL: 'warn',
      MCPGW_SERVER_RESOLVE: JSON.stringify(sites.resolve),
      MCPGW_SERVER_ALLOW_ADDRESSES: sites.addresses.join(','),
      // A safety net only: the scripted user answers every escalation at once; one it missed expires as a denial.
      ESCALATION_TEST_TIMEOUT_MS: '30000',
    },
    provider,
  );
  cleanups.push(() => upstream.close());
  const stack = await startStack(environment, { home: home.home });
  cleanups.push(() => stack.dispose());
  await home.settle();
  log(`stack up (HOME ${home.home}, sites on ${sites.addresses.join(' and ')}, ${provider} protocol)`);
  return { bus: stack.bus, home, sites, model, turnTimeoutMs, log };
}

/** Runs the benchmark; resolves with the exit code (2: the scenarios or the options are wrong, or no stack). */
export async function main(argv: readonly string[]): Promise<number> {
  const startedAt = Date.now();
  const selected = await selectScenarios(argv);
  if (typeof selected === 'number') return selected;
  const { scenarios, details, provider } = selected;
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => log(`clean-up: ${String(error)}`));
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping the stack and cleaning up`);
    setTimeout(() => process.exit(130), 30_000).unref();
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log(`security benchmark: ${scenarios.length} scenario(s); starting the stack…`);
    const context = await startWorld(cleanups, provider);
    const results: ScenarioResult[] = [];
    for (const [index, loaded] of scenarios.entries()) {
      results.push(await runScenario(context, loaded));
      log(progressLine(index + 1, scenarios.length, results[index] as ScenarioResult));
    }
    if (details !== undefined) await writeFile(details, `${JSON.stringify(results, null, 2)}\n`);
    const report = buildReport(results, (Date.now() - startedAt) / 1000);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return exitCodeOf(report);
  } catch (error) {
    log(`security benchmark failed (${errorCodeOf(error) ?? 'error'}): ${(error as Error).message}`);
    return 2;
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
