import { hasErrorCode, ErrorCode } from '@ironcurtain/errors';
import {
  parsePolicyArtifacts,
  type DynamicList,
  type LoadedPolicy,
  type TestScenario,
  type ToolAnnotationsFile,
} from '@ironcurtain/policy-engine';
import type { AskContext } from '../llm/ask-for-json.js';
import {
  createScenarioRunner,
  describeFailure,
  type ScenarioFailure,
  type VerificationEnvironment,
} from '../verify/scenario-runner.js';
import { compileServerRules } from './compile-rules.js';
import type { Constitution } from './constitution.js';
import { generateScenarios, type DroppedScenario } from './generate-scenarios.js';
import { judgeFailures, type Verdict } from './judge-failures.js';
import type { ProgressReporter } from './progress.js';
import { repairRules } from './repair-rules.js';
import { resolveLists, type ListToolCaller } from './resolve-lists.js';
import { recompileFeedback, type ServerFacts } from './rule-prompt.js';
import { toCompiledRule, type RulesAnswer } from './rule-answer.js';

/** Everything one server's compile works from. */
export interface ServerCompileInput {
  facts: ServerFacts;
  constitution: Constitution;
  /** All servers' annotations: the engine needs them to decide. */
  toolAnnotations: ToolAnnotationsFile;
  previousLists: Readonly<Record<string, DynamicList>>;
  handwritten: readonly TestScenario[];
  environment: VerificationEnvironment;
  maxRepairRounds: number;
  callTool?: ListToolCaller | undefined;
  report: ProgressReporter;
}

/** One repair round: what failed, the judge's verdicts, and how the rules were changed. */
export interface RepairRound {
  round: number;
  failures: string[];
  verdicts: Array<{
    scenario: string;
    blame: Verdict['blame'];
    rule?: string | undefined;
    explanation: string;
  }>;
  method: 'patch' | 'recompile' | 'none';
}

/** The outcome of one server's compile. */
export interface ServerCompileResult {
  server: string;
  isVerified: boolean;
  rules: RulesAnswer;
  lists: Record<string, DynamicList>;
  scenarios: TestScenario[];
  dropped: DroppedScenario[];
  rounds: RepairRound[];
  /** Failures left after the last round (empty when verified). */
  failures: ScenarioFailure[];
}

/**
 * rules → lists → scenarios → verify on the real engine → judge → repair, at most `maxRepairRounds` rounds.
 * Scenarios the judge blames are dropped (handwritten ones never are); rules are patched point by point, or
 * recompiled in full when a patch is invalid or did not reduce the failures.
 */
export async function compileServer(
  context: AskContext,
  input: ServerCompileInput,
): Promise<ServerCompileResult> {
  return verifyAndRepair(context, input, await draftServer(context, input));
}

/** What verification works on; repair rounds replace the rules and lists and drop scenarios. */
interface ServerDraft {
  rules: RulesAnswer;
  lists: Record<string, DynamicList>;
  scenarios: TestScenario[];
  dropped: DroppedScenario[];
}

async function draftServer(context: AskContext, input: ServerCompileInput): Promise<ServerDraft> {
  const { facts, constitution, report } = input;
  report(facts.server, 'rules');
  const rules = await compileServerRules(context, facts, constitution);
  report(facts.server, 'lists', `${rules.lists.length} list(s)`);
  const lists = await resolveLists(context, rules.lists, {
    previous: input.previousLists,
    callTool: input.callTool,
  });
  report(facts.server, 'scenarios');
  const structuralRunner = createScenarioRunner(
    buildPolicy(input, { rules: [], lists: [] }, {}),
    input.environment,
  );
  const generated = await generateScenarios(context, {
    facts,
    rules: rules.rules,
    lists,
    constitution,
    structuralRunner,
  });
  return {
    rules,
    lists,
    scenarios: [...input.handwritten, ...generated.scenarios],
    dropped: [...generated.dropped],
  };
}

async function verifyAndRepair(
  context: AskContext,
  input: ServerCompileInput,
  draft: ServerDraft,
): Promise<ServerCompileResult> {
  const server = input.facts.server;
  const rounds: RepairRound[] = [];
  for (let round = 0; ; round += 1) {
    input.report(server, 'verify', `round ${round}, ${draft.scenarios.length} scenarios`);
    const runner = createScenarioRunner(buildPolicy(input, draft.rules, draft.lists), input.environment);
    const failures = runner.run(draft.scenarios);
    if (failures.length === 0 || round >= input.maxRepairRounds) {
      return { server, isVerified: failures.length === 0, ...draft, rounds, failures };
    }
    input.report(server, 'judge', `${failures.length} failure(s)`);
    const verdicts = await judgeFailures(context, {
      server,
      rules: draft.rules.rules,
      failures,
      constitution: input.constitution,
    });
    dropBlamedScenarios(draft, verdicts);
    const repaired = await repair(context, input, {
      current: draft.rules,
      verdicts: verdicts.filter((verdict) => verdict.blame !== 'scenario'),
      failures,
      round: round + 1,
      isStuck: isStuck(rounds, failures),
    });
    rounds.push(roundReport(round + 1, failures, verdicts, repaired.method));
    draft.rules = repaired.rules;
    draft.lists = await resolveLists(context, draft.rules.lists, {
      previous: { ...input.previousLists, ...draft.lists },
      callTool: input.callTool,
    });
  }
}

/** Generated scenarios the judge found wrong leave the set (handwritten ones were never blamed). */
function dropBlamedScenarios(draft: ServerDraft, verdicts: readonly Verdict[]): void {
  const blamed = new Set(
    verdicts.filter((verdict) => verdict.blame !== 'rule').map((verdict) => verdict.failure.scenario),
  );
  for (const scenario of blamed) {
    draft.dropped.push({
      description: scenario.description,
      why: 'the judge found its expected decision wrong',
    });
  }
  draft.scenarios = draft.scenarios.filter((scenario) => !blamed.has(scenario));
}

// A repair that did not reduce the failures is not asked for again: the fallback is a full recompile.
function isStuck(rounds: readonly RepairRound[], failures: readonly ScenarioFailure[]): boolean {
  const previous = rounds.at(-1);
  return previous !== undefined && previous.method !== 'none' && failures.length >= previous.failures.length;
}

interface RepairRequest {
  current: RulesAnswer;
  verdicts: readonly Verdict[];
  failures: readonly ScenarioFailure[];
  round: number;
  /** The previous round's repair did not reduce the failures. */
  isStuck: boolean;
}

async function repair(
  context: AskContext,
  input: ServerCompileInput,
  request: RepairRequest,
): Promise<{ rules: RulesAnswer; method: RepairRound['method'] }> {
  const { current, verdicts, round } = request;
  const { facts, constitution } = input;
  if (verdicts.length === 0) return { rules: current, method: 'none' };
  if (!request.isStuck) {
    input.report(facts.server, 'repair', `round ${round}: ${verdicts.length} rule failure(s)`);
    try {
      const patched = await repairRules(context, { facts, current, verdicts, constitution, round });
      return { rules: patched, method: 'patch' };
    } catch (error) {
      if (!hasErrorCode(error, ErrorCode.SchemaInvalid)) throw error;
    }
  }
  input.report(facts.server, 'recompile', `round ${round}`);
  const feedback = recompileFeedback(current.rules, request.failures.map(describeFailure), round);
  return { rules: await compileServerRules(context, facts, constitution, feedback), method: 'recompile' };
}

function roundReport(
  round: number,
  failures: readonly ScenarioFailure[],
  verdicts: readonly Verdict[],
  method: RepairRound['method'],
): RepairRound {
  return {
    round,
    failures: failures.map(describeFailure),
    verdicts: verdicts.map((verdict) => ({
      scenario: verdict.failure.scenario.description,
      blame: verdict.blame,
      rule: verdict.rule,
      explanation: verdict.explanation,
    })),
    method,
  };
}

/** The engine's view of one server's rules, with every server's annotations and the lists resolved so far. */
function buildPolicy(
  input: ServerCompileInput,
  rules: RulesAnswer,
  lists: Readonly<Record<string, DynamicList>>,
): LoadedPolicy {
  const generatedAt = new Date(0).toISOString();
  return parsePolicyArtifacts({
    compiledPolicy: {
      generatedAt,
      constitutionHash: input.constitution.hash,
      inputHash: '',
      rules: rules.rules.map(toCompiledRule),
    },
    toolAnnotations: input.toolAnnotations,
    dynamicLists: { generatedAt, lists },
  });
}
