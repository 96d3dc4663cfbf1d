import { z } from 'zod';
import { compiledRuleSchema, type CompiledRule, type StoredToolAnnotation } from '@ironcurtain/policy-engine';
import { rolesOfAnnotation } from './annotation-roles.js';

/** A rule as the model writes it: only allow or escalate, and the clause ids it derives from. */
export const ruleAnswerSchema = compiledRuleSchema.extend({
  then: z.enum(['allow', 'escalate']),
  clauses: z.array(z.string()).default([]),
});

/** A list the rules refer to as `@name`, and how to fill it. */
export const listDefinitionSchema = z.object({
  name: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: 'expected a kebab-case list name' }),
  type: z.enum(['domains', 'emails', 'identifiers']),
  principle: z.string(),
  generationPrompt: z.string(),
  requiresMcp: z.boolean().default(false),
  /** For live data: the MCP tool whose result holds the values (called through the PDP). */
  mcpTool: z
    .object({
      server: z.string(),
      tool: z.string(),
      arguments: z.record(z.string(), z.unknown()).default({}),
    })
    .optional(),
});

/** What the model answers when compiling one server's rules. */
export const rulesAnswerSchema = z.object({
  rules: z.array(ruleAnswerSchema),
  lists: z.array(listDefinitionSchema).default([]),
});

/** One rule as the model wrote it. */
export type RuleAnswer = z.output<typeof ruleAnswerSchema>;
/** One list definition (kept in `compiled-policy.json` as `listDefinitions`). */
export type ListDefinition = z.output<typeof listDefinitionSchema>;
/** A parsed rules answer. */
export type RulesAnswer = z.output<typeof rulesAnswerSchema>;

/** What a server's rules may refer to. */
export interface RuleScope {
  server: string;
  annotations: readonly StoredToolAnnotation[];
  clauseIds: readonly string[];
}

/**
 * Problems of a rule set beyond its shape: every rule scoped to exactly its server, known tools and roles, unique
 * names, cited clauses that exist, and every `@list` reference defined (with a matching type).
 */
export function checkRules(
  rules: readonly RuleAnswer[],
  lists: readonly ListDefinition[],
  scope: RuleScope,
): string[] {
  const problems: string[] = [];
  const tools = new Set(scope.annotations.map((annotation) => annotation.toolName));
  const roles = new Set<string>(scope.annotations.flatMap((annotation) => rolesOfAnnotation(annotation)));
  const names = new Set<string>();
  for (const rule of rules) {
    const where = `rule "${rule.name}"`;
    if (names.has(rule.name)) problems.push(`${where}: the name is used twice; names must be unique`);
    names.add(rule.name);
    const server = rule.if.server;
    if (server?.length !== 1 || server[0] !== scope.server) {
      problems.push(`${where}: if.server must be exactly ["${scope.server}"]`);
    }
    for (const tool of rule.if.tool ?? []) {
      if (!tools.has(tool)) problems.push(`${where}: tool "${tool}" is not a tool of server ${scope.server}`);
    }
    for (const role of namedRoles(rule)) {
      if (!roles.has(role))
        problems.push(`${where}: no tool of ${scope.server} has an argument with role "${role}"`);
    }
    for (const clause of rule.clauses) {
      if (!scope.clauseIds.includes(clause)) problems.push(`${where}: clause "${clause}" does not exist`);
    }
    problems.push(...checkListReferences(rule, lists));
  }
  return problems;
}

function checkListReferences(rule: RuleAnswer, lists: readonly ListDefinition[]): string[] {
  const problems: string[] = [];
  const references = [
    ...(rule.if.domains?.allowed ?? []).map((value) => ({ value, type: 'domains' })),
    ...(rule.if.lists ?? []).flatMap((list) =>
      list.allowed.map((value) => ({ value, type: list.matchType })),
    ),
  ];
  for (const reference of references) {
    if (!reference.value.startsWith('@')) continue;
    const name = reference.value.slice(1);
    const definition = lists.find((list) => list.name === name);
    if (definition === undefined) {
      problems.push(
        `rule "${rule.name}": list "@${name}" is not defined in "lists"; define it or inline the values`,
      );
    } else if (definition.type !== reference.type) {
      problems.push(
        `rule "${rule.name}": list "@${name}" is of type ${definition.type}, used as ${reference.type}`,
      );
    }
  }
  return problems;
}

/** Every role a rule's condition names (in `roles`, `paths`, `domains`, `lists`). */
export function namedRoles(rule: Pick<CompiledRule, 'if'>): string[] {
  const condition = rule.if;
  return [
    ...new Set([
      ...(condition.roles ?? []),
      ...(condition.paths?.roles ?? []),
      ...(condition.domains?.roles ?? []),
      ...(condition.lists ?? []).flatMap((list) => list.roles),
    ]),
  ];
}

/** The rule as it is stored in `compiled-policy.json` (without the clause ids, which go to the traceability report). */
export function toCompiledRule(rule: RuleAnswer): CompiledRule {
  const { clauses: _clauses, ...compiled } = rule;
  return compiled;
}
