import { z } from 'zod';
import { askForJson, type AskContext } from '../llm/ask-for-json.js';
import { describeFailure, type ScenarioFailure } from '../verify/scenario-runner.js';
import { formatClauses, type Constitution } from './constitution.js';
import type { RuleAnswer } from './rule-answer.js';

/** Marks judge requests; scripted test models look for it. */
export const judgeTask = 'TASK: judge-failures';

const verdictsSchema = z.object({
  verdicts: z.array(
    z.object({
      scenario: z.number().int(),
      blame: z.enum(['rule', 'scenario', 'both']),
      rule: z.string().optional(),
      explanation: z.string(),
    }),
  ),
});

/** Who is wrong about one failed scenario, and why. */
export interface Verdict {
  failure: ScenarioFailure;
  blame: 'rule' | 'scenario' | 'both';
  /** The rule at fault, when the judge named one. */
  rule?: string | undefined;
  explanation: string;
}

/**
 * Asks the model to attribute each failure to the rules, the scenario or both, judging by the constitution. A
 * handwritten scenario is authoritative: if the judge blames it, the verdict becomes "rule" (it is never corrected).
 */
export async function judgeFailures(
  context: AskContext,
  inputs: {
    server: string;
    rules: readonly RuleAnswer[];
    failures: readonly ScenarioFailure[];
    constitution: Constitution;
  },
): Promise<Verdict[]> {
  const indexes = inputs.failures.map((failure) => failure.index);
  const answer = await askForJson(context, {
    stage: 'judge',
    server: inputs.server,
    system: [
      judgeTask,
      'You judge failed policy tests. For each failure decide whether a rule is wrong ("rule"), the scenario\'s',
      'expected decision is wrong ("scenario"), or both ("both"), by what the constitution says. Handwritten',
      'scenarios are authoritative. Name the faulty rule when there is one.',
      'Answer with one JSON object and nothing else:',
      '{"verdicts": [{"scenario": <index>, "blame": "rule", "rule": "rule-name", "explanation": "..."}]}',
    ].join('\n'),
    prompt: [
      `Server: ${inputs.server}`,
      'Rules:',
      JSON.stringify(inputs.rules, null, 1),
      'Failures:',
      ...inputs.failures.map(describeFailure),
      'Constitution clauses:',
      formatClauses(inputs.constitution.clauses),
    ].join('\n'),
    schema: verdictsSchema,
    check: (value) => {
      const given = value.verdicts.map((verdict) => verdict.scenario);
      const missing = indexes.filter((index) => !given.includes(index));
      const unknown = given.filter((index) => !indexes.includes(index));
      return [
        ...(missing.length === 0 ? [] : [`no verdict for scenarios ${missing.join(', ')}`]),
        ...(unknown.length === 0
          ? []
          : [`scenarios ${unknown.join(', ')} did not fail; judge only the failures`]),
      ];
    },
  });
  return inputs.failures.map((failure) => {
    const verdict = answer.verdicts.find((candidate) => candidate.scenario === failure.index);
    const blame = verdict?.blame ?? 'rule';
    const isHandwritten = failure.scenario.source === 'handwritten';
    return {
      failure,
      blame: isHandwritten ? 'rule' : blame,
      rule: verdict?.rule,
      explanation:
        isHandwritten && blame !== 'rule'
          ? `${verdict?.explanation ?? ''} (handwritten scenario: the rules must change, not the scenario)`
          : (verdict?.explanation ?? ''),
    };
  });
}
