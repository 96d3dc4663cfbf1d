import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

const maximumIssuesShown = 10;

/**
 * Formats zod issues as `file: json.path: problem` lines, e.g.
 * `compiled-policy.json: rules[3].then: expected "allow" | "deny" | "escalate"`, so the reader can open the file
 * and go straight to the bad value.
 */
export function formatSchemaIssues(fileName: string, issues: readonly Issue[]): string {
  const lines = issues.flatMap((issue) => describeIssue(issue, []));
  const shown = lines.slice(0, maximumIssuesShown).map((line) => `${fileName}: ${line}`);
  if (lines.length > shown.length)
    shown.push(`${fileName}: … and ${lines.length - shown.length} more problems`);
  return shown.join('\n');
}

/** Renders a JSON path the way a person would type it in jq: `rules[3].if.paths`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const key = String(segment);
      if (/^[A-Za-z_$][\w$]*$/.test(key)) return index === 0 ? key : `.${key}`;
      return `[${JSON.stringify(key)}]`;
    })
    .join('');
}

function describeIssue(issue: Issue, prefix: readonly PropertyKey[]): string[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // Report the branch that got furthest: its problems are the ones the author most likely meant to fix.
    const branch = issue.errors.reduce((best, candidate) =>
      depthOf(candidate) > depthOf(best) ? candidate : best,
    );
    return branch.flatMap((inner) => describeIssue(inner, path));
  }
  return [`${formatJsonPath(path)}: ${problemOf(issue)}`];
}

function depthOf(issues: readonly Issue[]): number {
  return Math.max(0, ...issues.map((issue) => issue.path.length));
}

function problemOf(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' | ')}`;
    case 'invalid_type': {
      const received = /received (\w+)/.exec(issue.message)?.[1];
      if (received === 'undefined') return `missing; expected ${issue.expected}`;
      return received === undefined
        ? `expected ${issue.expected}`
        : `expected ${issue.expected}, received ${received}`;
    }
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
    case 'too_small':
      return issue.origin === 'string' ? 'expected a non-empty string' : issue.message;
    default:
      return issue.message;
  }
}
