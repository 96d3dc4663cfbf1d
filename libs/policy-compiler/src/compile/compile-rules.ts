import type { AskContext } from '../llm/ask-for-json.js';
import { askForJson } from '../llm/ask-for-json.js';
import type { Constitution } from './constitution.js';
import { checkRules, rulesAnswerSchema, type RulesAnswer } from './rule-answer.js';
import { compileRulesSystemPrompt, compileRulesUserPrompt, type ServerFacts } from './rule-prompt.js';

/**
 * Compiles the constitution into one server's rules and list definitions. `feedback` (a full recompile after
 * failed repairs) is appended to the prompt, which also makes it a different cache entry.
 */
export async function compileServerRules(
  context: AskContext,
  facts: ServerFacts,
  constitution: Constitution,
  feedback = '',
): Promise<RulesAnswer> {
  return askForJson(context, {
    stage: 'compile-rules',
    server: facts.server,
    system: compileRulesSystemPrompt(),
    prompt: compileRulesUserPrompt(facts, constitution) + feedback,
    schema: rulesAnswerSchema,
    check: (answer) =>
      checkRules(answer.rules, answer.lists, {
        server: facts.server,
        annotations: facts.annotations,
        clauseIds: constitution.clauses.map((clause) => clause.id),
      }),
  });
}
