import { isResourceRole, type StoredToolAnnotation } from '@ironcurtain/policy-engine';
import { formatClauses, type Constitution } from './constitution.js';
import type { RuleAnswer } from './rule-answer.js';

/** Marks rule compilation requests; scripted test models look for it. */
export const compileRulesTask = 'TASK: compile-rules';

/** What the rule prompt tells the model about one server. */
export interface ServerFacts {
  server: string;
  annotations: readonly StoredToolAnnotation[];
  /** The server's domain gate (`sandbox.network.allowedDomains`), if it declares one. */
  allowedDomains?: readonly string[] | undefined;
  /** True when the session sandbox resolves this server's path roles by itself. */
  isSandboxServer: boolean;
}

/** The system prompt of rule compilation: the condition language and what the engine already enforces. */
export function compileRulesSystemPrompt(): string {
  return [
    compileRulesTask,
    'You turn a constitution written in English into policy rules for a deterministic engine that decides every',
    'tool call an AI agent makes. Anything no rule allows is denied by default.',
    '',
    'The engine already enforces these, before any rule; do not spend rules on them:',
    "- Protected paths (IronCurtain's home, constitution, policy files, MCP config, audit logs, .env) are always denied.",
    '- Paths inside the session sandbox are allowed for the filesystem and git servers without a rule.',
    "- A URL outside a server's declared domains is escalated by the domain gate.",
    '- Unknown tools and invalid arguments are denied.',
    '',
    'Write only "allow" or "escalate" rules (never "deny": denial is the default). Each rule:',
    '{"name": "kebab-case", "description": "...", "principle": "the clause it implements, quoted or paraphrased",',
    ' "clauses": ["U3"], "if": {...}, "then": "allow" | "escalate", "reason": "shown to the user"}',
    'Conditions (all optional, ANDed): "server": [server] (required, exactly the server you compile for),',
    '"tool": [tool names], "roles": [roles], "paths": {"roles": [...], "within": "~/dir or /abs/dir"},',
    '"domains": {"roles": [...], "allowed": ["*.example.com", "@list-name"]},',
    '"lists": [{"roles": [...], "allowed": ["@list-name"], "matchType": "domains" | "emails" | "identifiers"}].',
    'A rule applies to the resource roles it names (or to all when it names none); across roles the most',
    'restrictive result wins. Write paths with "~" for the home folder.',
    '',
    'When the constitution names a category ("news sites", "my contacts") rather than concrete values, refer to',
    'it as "@list-name" and define the list: {"name", "type", "principle", "generationPrompt" (how to enumerate',
    'it), "requiresMcp" (true only for live data such as contacts), "mcpTool" ({server, tool, arguments}, when',
    'requiresMcp)}.',
    '',
    'Answer with one JSON object and nothing else: {"rules": [...], "lists": [...]}',
  ].join('\n');
}

/** The user prompt: the server's tools and roles, its domain gate, and the constitution's clauses. */
export function compileRulesUserPrompt(facts: ServerFacts, constitution: Constitution): string {
  const tools = facts.annotations.map((annotation) => ({
    tool: annotation.toolName,
    comment: annotation.comment,
    args: annotation.args,
  }));
  return [
    `Server: ${facts.server}`,
    facts.isSandboxServer
      ? 'Its path roles inside the session sandbox are already allowed by the engine.'
      : 'It has no sandbox exemption.',
    facts.allowedDomains === undefined
      ? 'It declares no domain gate.'
      : `Its domain gate: ${facts.allowedDomains.join(', ')}`,
    `Resource roles its tools use: ${resourceRolesOf(facts.annotations).join(', ') || '(none)'}`,
    '',
    'Tools and argument roles:',
    JSON.stringify(tools, null, 1),
    '',
    'Constitution clauses:',
    formatClauses(constitution.clauses),
    '',
    `Write the rules for server "${facts.server}" only.`,
  ].join('\n');
}

/** What a full recompile adds to the first prompt: the rules that failed verification and why. */
export function recompileFeedback(
  rules: readonly RuleAnswer[],
  failures: readonly string[],
  round: number,
): string {
  return [
    '',
    `Repair round ${round}: point patches did not fix the rules, so write them again from the start.`,
    'A previous attempt produced these rules:',
    JSON.stringify(rules, null, 1),
    'They failed verification:',
    ...failures.map((failure) => `- ${failure}`),
    'Write the complete rule set again, fixing these failures.',
  ].join('\n');
}

function resourceRolesOf(annotations: readonly StoredToolAnnotation[]): string[] {
  const roles = new Set<string>();
  for (const annotation of annotations) {
    for (const spec of Object.values(annotation.args)) {
      for (const role of Array.isArray(spec) ? spec : spec.default) if (isResourceRole(role)) roles.add(role);
    }
  }
  return [...roles].sort();
}
