import { isResourceRole, type CompiledRule, type ToolAnnotationsFile } from '@ironcurtain/policy-engine';
import type { ConstitutionClause } from './constitution.js';
import { namedRoles } from './rule-answer.js';

/** For each clause the rules derived from it; for each (tool × resource role) what decides it. */
export interface TraceabilityReport {
  clauses: Array<{ id: string; section?: string | undefined; text: string; rules: string[] }>;
  coverage: Array<{
    server: string;
    tool: string;
    role: string;
    /** `rules`: at least one rule covers it; `sandbox`: only the sandbox allows it; else default deny. */
    outcome: 'rules' | 'sandbox-only' | 'default-deny';
    rules: Array<{ name: string; then: string }>;
  }>;
}

/**
 * Builds the traceability report. `ruleClauses` maps rule names to the clause ids the compiler recorded; a rule
 * without any (say, from an IronCurtain-format policy) is traced by its `principle` quoting the clause text.
 */
export function buildTraceability(
  clauses: readonly ConstitutionClause[],
  rules: readonly CompiledRule[],
  ruleClauses: ReadonlyMap<string, readonly string[]>,
  annotations: ToolAnnotationsFile,
  sandboxServers: readonly string[],
): TraceabilityReport {
  return {
    clauses: clauses.map((clause) => ({
      id: clause.id,
      section: clause.section,
      text: clause.text,
      rules: rules
        .filter((rule) => (ruleClauses.get(rule.name) ?? inferClauses(rule, clauses)).includes(clause.id))
        .map((rule) => rule.name),
    })),
    coverage: Object.entries(annotations.servers).flatMap(([server, entry]) =>
      entry.tools.flatMap((tool) =>
        resourceRolesOfTool(tool.args).map((role) => {
          const covering = rules.filter((rule) => covers(rule, server, tool.toolName, role));
          const isSandbox =
            sandboxServers.includes(server) &&
            ['read-path', 'write-path', 'delete-path', 'write-history', 'delete-history'].includes(role);
          const outcome = covering.length > 0 ? 'rules' : isSandbox ? 'sandbox-only' : 'default-deny';
          return {
            server,
            tool: tool.toolName,
            role,
            outcome,
            rules: covering.map((rule) => ({ name: rule.name, then: rule.then })),
          };
        }),
      ),
    ),
  };
}

function covers(rule: CompiledRule, server: string, tool: string, role: string): boolean {
  if (rule.if.server !== undefined && !rule.if.server.includes(server)) return false;
  if (rule.if.tool !== undefined && !rule.if.tool.includes(tool)) return false;
  const roles = namedRoles(rule);
  return roles.length === 0 || roles.includes(role);
}

function resourceRolesOfTool(
  args: ToolAnnotationsFile['servers'][string]['tools'][number]['args'],
): string[] {
  const roles = new Set<string>();
  for (const spec of Object.values(args)) {
    for (const role of Array.isArray(spec) ? spec : spec.default) if (isResourceRole(role)) roles.add(role);
  }
  return [...roles].sort();
}

const normalize = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9~]+/g, ' ')
    .trim();

function inferClauses(rule: CompiledRule, clauses: readonly ConstitutionClause[]): string[] {
  const principle = normalize(rule.principle);
  return clauses
    .filter((clause) => {
      const words = normalize(clause.text).split(' ').slice(0, 8).join(' ');
      return words.length > 0 && principle.includes(words);
    })
    .map((clause) => clause.id);
}

/** The report as text: clauses with their rules, then uncovered and covered (tool × role) pairs. */
export function formatTraceability(report: TraceabilityReport): string {
  const lines = ['Constitution clauses → rules'];
  for (const clause of report.clauses) {
    const text = clause.text.length > 90 ? `${clause.text.slice(0, 87)}…` : clause.text;
    lines.push(
      `  [${clause.id}] ${text}`,
      `        ${clause.rules.length === 0 ? '(no rule: nothing is granted beyond default deny)' : clause.rules.join(', ')}`,
    );
  }
  lines.push('', 'Tool × resource role → decided by');
  for (const entry of report.coverage) {
    const by =
      entry.outcome === 'rules'
        ? entry.rules.map((rule) => `${rule.name} (${rule.then})`).join(', ')
        : entry.outcome === 'sandbox-only'
          ? 'sandbox only; elsewhere default-deny'
          : 'default-deny';
    lines.push(`  ${entry.server}.${entry.tool} [${entry.role}]: ${by}`);
  }
  return `${lines.join('\n')}\n`;
}
