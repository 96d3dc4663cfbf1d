import {
  createEvaluator,
  prepareToolCall,
  RuleId,
  type LoadedPolicy,
  type TestScenario,
  type ToolCall,
} from '@ironcurtain/policy-engine';

/** The session facts scenarios are decided in: the same ones `ironcurtain policy verify` uses. */
export interface VerificationEnvironment {
  /** Where `~` points. */
  homeDir: string;
  /** Paths no call may touch (see the engine's `deriveProtectedPaths`). */
  protectedPaths: readonly string[];
  /** Per server, its domain gate. */
  serverDomains: Readonly<Record<string, readonly string[]>>;
  /** An empty folder standing in for the session sandbox. */
  sandboxDir: string;
}

/** A decision as verification reports it. */
export interface ScenarioDecision {
  decision: 'allow' | 'deny' | 'escalate';
  rule: string;
  reason: string;
}

/** A scenario that did not get its expected decision. */
export interface ScenarioFailure {
  /** Position in the scenario list that was run. */
  index: number;
  scenario: TestScenario;
  got: ScenarioDecision;
}

/** Decides calls the way the gateway and the PDP do together: schema check, canonicalization, evaluation. */
export interface ScenarioRunner {
  decide(call: ToolCall): ScenarioDecision;
  /** Every scenario whose decision is not the expected one (`not-allow` accepts deny and escalate). */
  run(scenarios: readonly TestScenario[]): ScenarioFailure[];
}

/** Builds a {@link ScenarioRunner} on the real engine for `policy` in `environment`. */
export function createScenarioRunner(
  policy: LoadedPolicy,
  environment: VerificationEnvironment,
): ScenarioRunner {
  const evaluator = createEvaluator(policy, {
    sandboxDir: environment.sandboxDir,
    homeDir: environment.homeDir,
    protectedPaths: environment.protectedPaths,
    serverDomains: environment.serverDomains,
    isContainerSession: false,
  });
  const canonicalization = {
    sandboxDir: environment.sandboxDir,
    homeDir: environment.homeDir,
    isContainerSession: false,
  };
  const decide = (call: ToolCall): ScenarioDecision => {
    const annotation = policy.annotations.get(call.serverName)?.get(call.toolName);
    const prepared = prepareToolCall(call, { annotation }, canonicalization);
    if (!prepared.ok) {
      return {
        decision: 'deny',
        rule: RuleId.InvalidArguments,
        reason: `Invalid arguments: ${prepared.reason}`,
      };
    }
    const decision = evaluator.evaluate(prepared.call);
    return { decision: decision.decision, rule: decision.rule, reason: decision.reason };
  };
  return {
    decide,
    run(scenarios) {
      const failures: ScenarioFailure[] = [];
      scenarios.forEach((scenario, index) => {
        const got = decide({
          serverName: scenario.request.serverName,
          toolName: scenario.request.toolName,
          arguments: scenario.request.arguments,
        });
        if (!isExpectedDecision(scenario.expectedDecision, got.decision))
          failures.push({ index, scenario, got });
      });
      return failures;
    },
  };
}

/** True when `got` satisfies `expected`; `not-allow` is satisfied by deny and escalate. */
export function isExpectedDecision(expected: TestScenario['expectedDecision'], got: string): boolean {
  return expected === 'not-allow' ? got !== 'allow' : got === expected;
}

/** One line per failure, for prompts and reports. */
export function describeFailure(failure: ScenarioFailure): string {
  const { scenario, got } = failure;
  return (
    `scenario ${failure.index} (${scenario.source}) "${scenario.description}": ` +
    `${scenario.request.serverName}.${scenario.request.toolName} ${JSON.stringify(scenario.request.arguments)} ` +
    `expected ${scenario.expectedDecision}, got ${got.decision} by ${got.rule} (${got.reason})`
  );
}
