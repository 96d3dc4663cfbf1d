// The GitHub part of the shipped policy against the facts of the pinned github-mcp-server (the tool names, schemas
// and read-only hints of its published tool snapshots, kept in @ironcurtain/testing for the stand-in image that
// serves them): the annotations are exactly its default tool sets, every read-only tool is allowed, every other
// annotated tool escalates, and the tools of its other tool sets are denied.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { readGithubMcpServerTools, type GithubMcpServerTools } from '@ironcurtain/testing';
import type { JsonSchema } from './json-schema-subset.js';
import { loadShippedPolicy, type ShippedPolicy } from './policy-decider.js';

interface AnnotatedTool {
  toolName: string;
  inputSchema: unknown;
}

const readJson = <T>(name: string): T => JSON.parse(readFileSync(join(defaultPolicyDir, name), 'utf8')) as T;
const annotated = readJson<{ servers: Record<string, { tools: AnnotatedTool[] }> }>('tool-annotations.json')
  .servers['github']?.tools;
const mcpServers = readJson<Record<string, { container?: { image?: string } }>>('mcp-servers.json');
const escalateRules = [
  'escalate-github-issue-changes',
  'escalate-github-pull-request-changes',
  'escalate-github-repository-changes',
];

// The smallest arguments the schema accepts: every required property with a value of its type.
function minimalArguments(schema: JsonSchema): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const property = schema.properties?.[name] ?? {};
    const sample: Record<string, unknown> = {
      string: 'octo-org',
      number: 1,
      boolean: true,
      array: [],
      object: {},
    };
    values[name] = property.enum?.[0] ?? sample[property.type ?? 'string'];
  }
  return values;
}

let facts: GithubMcpServerTools;
let policy: ShippedPolicy;
beforeAll(async () => {
  facts = await readGithubMcpServerTools();
  policy = await loadShippedPolicy();
});
afterAll(() => policy.close());

describe('GitHub in the shipped policy', () => {
  it('runs the image version the facts describe', () => {
    expect(mcpServers['github']?.container?.image).toBe(facts.image);
    expect(facts.image).toMatch(/:v\d+\.\d+\.\d+$/);
  });

  it('annotates exactly the default tool sets, with their schemas, in the listing order', () => {
    const defaults = facts.tools.filter((tool) => facts.defaultToolsets.includes(tool.toolset));
    expect(defaults).toHaveLength(41);
    expect(annotated?.map((tool) => tool.toolName)).toEqual(defaults.map((tool) => tool.name));
    for (const [index, tool] of defaults.entries())
      expect(annotated?.[index]?.inputSchema, tool.name).toEqual(tool.inputSchema);
  });

  it('allows every tool the server marks read-only and escalates every other one', () => {
    const defaults = facts.tools.filter((tool) => facts.defaultToolsets.includes(tool.toolset));
    const decided = defaults.map((tool) => {
      const call = {
        serverName: 'github',
        toolName: tool.name,
        arguments: minimalArguments(tool.inputSchema as JsonSchema),
      };
      return {
        tool: tool.name,
        isReadOnly: tool.annotations.readOnlyHint === true,
        ...policy.decideWithGates(call),
      };
    });
    const reads = decided.filter((verdict) => verdict.isReadOnly);
    const changes = decided.filter((verdict) => !verdict.isReadOnly);
    expect(reads.length + changes.length).toBe(41);
    for (const verdict of reads)
      expect(verdict, verdict.tool).toMatchObject({ decision: 'allow', rule: 'allow-github-reads' });
    for (const verdict of changes) {
      expect(verdict.decision, verdict.tool).toBe('escalate');
      expect(escalateRules, verdict.tool).toContain(verdict.rule);
    }
  });

  it('denies the tools of the other tool sets, which it does not annotate', () => {
    const others = facts.tools.filter((tool) => !facts.defaultToolsets.includes(tool.toolset));
    expect(others.length).toBeGreaterThan(0);
    for (const tool of others) {
      const call = {
        serverName: 'github',
        toolName: tool.name,
        arguments: minimalArguments(tool.inputSchema as JsonSchema),
      };
      expect(policy.decideWithGates(call), tool.name).toEqual({
        decision: 'deny',
        rule: 'structural-unknown-tool',
      });
    }
  });

  it('compares owners and repositories in lower case and refuses control characters in them', () => {
    const read = (owner: string) =>
      policy.decideWithGates({
        serverName: 'github',
        toolName: 'issue_read',
        arguments: { method: 'get', owner, repo: 'Node', issue_number: 1 },
      });
    expect(read('NodeJS')).toEqual({ decision: 'allow', rule: 'allow-github-reads' });
    expect(read('nodejs\u0007')).toEqual({ decision: 'deny', rule: 'invalid-arguments' });
  });
});
