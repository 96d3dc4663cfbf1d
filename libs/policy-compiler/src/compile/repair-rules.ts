import { z } from 'zod';
import { askForJson, type AskContext } from '../llm/ask-for-json.js';
import { describeFailure } from '../verify/scenario-runner.js';
import { formatClauses, type Constitution } from './constitution.js';
import type { Verdict } from './judge-failures.js';
import {
  checkRules,
  listDefinitionSchema,
  ruleAnswerSchema,
  type ListDefinition,
  type RuleAnswer,
  type RulesAnswer,
} from './rule-answer.js';
import type { ServerFacts } from './rule-prompt.js';

/** Marks repair requests; scripted test models look for it. */
export const repairTask = 'TASK: repair-rules';

const operationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), rule: ruleAnswerSchema }),
  z.object({ op: z.literal('update'), name: z.string(), rule: ruleAnswerSchema }),
  z.object({ op: z.literal('delete'), name: z.string() }),
]);

const patchSchema = z.object({
  operations: z.array(operationSchema).min(1),
  lists: z.array(listDefinitionSchema).default([]),
});

/** One point patch: add, update or delete a rule. */
export type RuleOperation = z.output<typeof operationSchema>;

/** Applies `operations` in order; problems (unknown or duplicate names) are returned instead of thrown. */
export function applyOperations(
  rules: readonly RuleAnswer[],
  operations: readonly RuleOperation[],
): { rules: RuleAnswer[]; problems: string[] } {
  const result = [...rules];
  const problems: string[] = [];
  for (const operation of operations) {
    const name = operation.op === 'add' ? operation.rule.name : operation.name;
    const index = result.findIndex((rule) => rule.name === name);
    if (operation.op === 'add') {
      if (index === -1) result.push(operation.rule);
      else problems.push(`add: rule "${name}" already exists; use update`);
    } else if (index === -1) {
      problems.push(`${operation.op}: there is no rule "${name}"`);
    } else if (operation.op === 'update') {
      result[index] = operation.rule;
    } else {
      result.splice(index, 1);
    }
  }
  return { rules: result, problems };
}

/**
 * Asks for point patches that fix the failures blamed on rules, and applies them. The patched rule set must pass
 * the same checks as a fresh compile; throws AppError `SCHEMA_INVALID` when no valid patch came back (the caller
 * then recompiles in full).
 */
export async function repairRules(
  context: AskContext,
  inputs: {
    facts: ServerFacts;
    current: RulesAnswer;
    verdicts: readonly Verdict[];
    constitution: Constitution;
    round: number;
  },
): Promise<RulesAnswer> {
  const scope = {
    server: inputs.facts.server,
    annotations: inputs.facts.annotations,
    clauseIds: inputs.constitution.clauses.map((clause) => clause.id),
  };
  const merge = (lists: readonly ListDefinition[]): ListDefinition[] => [
    ...inputs.current.lists.filter((list) => !lists.some((added) => added.name === list.name)),
    ...lists,
  ];
  const patch = await askForJson(context, {
    stage: 'repair',
    server: inputs.facts.server,
    system: [
      repairTask,
      'You fix policy rules that failed verification, with the smallest change: operations that add, update or',
      'delete single rules. Rules are only "allow" or "escalate" and scoped to the server. Keep every rule that',
      'is not at fault. Answer with one JSON object and nothing else:',
      '{"operations": [{"op": "update", "name": "old-name", "rule": {...full rule...}} | {"op": "add", "rule":',
      '{...}} | {"op": "delete", "name": "..."}], "lists": [new list definitions, if any]}',
    ].join('\n'),
    prompt: [
      `Server: ${inputs.facts.server} (repair round ${inputs.round})`,
      'Current rules:',
      JSON.stringify(inputs.current.rules, null, 1),
      "Failures blamed on the rules, with the judge's explanation:",
      ...inputs.verdicts.map(
        (verdict) => `${describeFailure(verdict.failure)}\n  judge: ${verdict.explanation}`,
      ),
      'Constitution clauses:',
      formatClauses(inputs.constitution.clauses),
    ].join('\n'),
    schema: patchSchema,
    check: (value) => {
      const applied = applyOperations(inputs.current.rules, value.operations);
      return [...applied.problems, ...checkRules(applied.rules, merge(value.lists), scope)];
    },
  });
  return { rules: applyOperations(inputs.current.rules, patch.operations).rules, lists: merge(patch.lists) };
}
