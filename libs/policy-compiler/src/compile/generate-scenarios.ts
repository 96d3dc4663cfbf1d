import { z } from 'zod';
import {
  RuleId,
  testScenarioSchema,
  validateArgumentsAgainstSchema,
  type DynamicList,
  type TestScenario,
} from '@ironcurtain/policy-engine';
import { askForJson, type AskContext } from '../llm/ask-for-json.js';
import { isExpectedDecision, type ScenarioRunner } from '../verify/scenario-runner.js';
import type { Constitution } from './constitution.js';
import type { RuleAnswer } from './rule-answer.js';
import type { ServerFacts } from './rule-prompt.js';
import { scenarioSystemPrompt, scenarioUserPrompt } from './scenario-prompt.js';

const scenarioAnswerSchema = z.object({
  scenarios: z.array(testScenarioSchema.omit({ source: true }).extend({ category: z.string().optional() })),
});

/** A generated scenario that was not kept, and why. */
export interface DroppedScenario {
  description: string;
  why: string;
}

/** The scenarios kept for verification and those dropped before it. */
export interface GeneratedScenarios {
  scenarios: TestScenario[];
  dropped: DroppedScenario[];
}

/** What scenario generation works from. */
export interface ScenarioInputs {
  facts: ServerFacts;
  rules: readonly RuleAnswer[];
  lists: Readonly<Record<string, DynamicList>>;
  constitution: Constitution;
  /** A runner on a policy with no rules: whatever it decides by a structural invariant is beyond any rule. */
  structuralRunner: ScenarioRunner;
}

/**
 * Asks the model for scenarios of one server, then drops those that cannot test a rule: calls to another server
 * or an unknown tool, arguments that break the tool's input schema (the gateway would deny them before any rule),
 * and expectations that contradict a structural invariant (protected paths, the sandbox, the domain gate).
 */
export async function generateScenarios(
  context: AskContext,
  inputs: ScenarioInputs,
): Promise<GeneratedScenarios> {
  const answer = await askForJson(context, {
    stage: 'generate-scenarios',
    server: inputs.facts.server,
    system: scenarioSystemPrompt(),
    prompt: scenarioUserPrompt(inputs.facts, inputs.rules, inputs.lists, inputs.constitution),
    schema: scenarioAnswerSchema,
    check: (value) => (value.scenarios.length === 0 ? ['no scenarios; write at least one'] : []),
  });
  const kept: TestScenario[] = [];
  const dropped: DroppedScenario[] = [];
  for (const { category: _category, ...generated } of answer.scenarios) {
    const scenario: TestScenario = { ...generated, source: 'generated' };
    const why = whyUnusable(scenario, inputs);
    if (why === undefined) kept.push(scenario);
    else dropped.push({ description: scenario.description, why });
  }
  return { scenarios: kept, dropped };
}

function whyUnusable(scenario: TestScenario, inputs: ScenarioInputs): string | undefined {
  const { serverName, toolName, arguments: args } = scenario.request;
  if (serverName !== inputs.facts.server) return `it calls server ${serverName}, not ${inputs.facts.server}`;
  const annotation = inputs.facts.annotations.find((candidate) => candidate.toolName === toolName);
  if (annotation === undefined) return `${toolName} is not a tool of ${serverName}`;
  if (annotation.inputSchema !== undefined) {
    const validation = validateArgumentsAgainstSchema(annotation.inputSchema, args);
    if (!validation.ok) return `its arguments violate the tool schema: ${validation.reason}`;
  }
  const structural = inputs.structuralRunner.decide({ serverName, toolName, arguments: args });
  const isStructural =
    structural.rule.startsWith('structural-') || structural.rule === RuleId.InvalidArguments;
  if (isStructural && !isExpectedDecision(scenario.expectedDecision, structural.decision)) {
    return `it expects ${scenario.expectedDecision}, but the structural invariant ${structural.rule} decides ${structural.decision}`;
  }
  return undefined;
}
