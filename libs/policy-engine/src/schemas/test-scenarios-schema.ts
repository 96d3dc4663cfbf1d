import { z } from 'zod';

/** One scenario: a request and the decision the policy is expected to reach. */
export const testScenarioSchema = z.looseObject({
  description: z.string(),
  request: z.looseObject({
    serverName: z.string(),
    toolName: z.string(),
    arguments: z.record(z.string(), z.unknown()),
  }),
  expectedDecision: z.enum(['allow', 'deny', 'escalate', 'not-allow']),
  reasoning: z.string(),
  source: z.enum(['generated', 'handwritten']),
});

/** The `test-scenarios.json` artifact, in IronCurtain's format. */
export const testScenariosSchema = z.looseObject({
  generatedAt: z.string(),
  constitutionHash: z.string(),
  inputHash: z.string(),
  scenarios: z.array(testScenarioSchema),
});

/** One parsed scenario. */
export type TestScenario = z.output<typeof testScenarioSchema>;
/** The parsed `test-scenarios.json`. */
export type TestScenariosFile = z.output<typeof testScenariosSchema>;
