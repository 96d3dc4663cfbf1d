import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConstitutionFiles, defaultPolicyDir } from '@ironcurtain/default-policy';
import { canonicalJson, schemaProblems, sha256Hex, type JsonSchema } from './json-schema-subset.js';

interface Conditional {
  default: string[];
  when: { condition: { arg: string }; roles: string[] }[];
}
interface ToolEntry {
  toolName: string;
  serverName: string;
  args: Record<string, string[] | Conditional>;
  inputSchema: JsonSchema & { properties?: Record<string, JsonSchema> };
}
interface Rule {
  name: string;
  then: string;
  if: { server?: string[]; domains?: { allowed: string[] }; lists?: { allowed: string[] }[] };
}
interface Scenario {
  description: string;
  request: { serverName: string; toolName: string; arguments: Record<string, unknown> };
  expectedDecision: string;
  source: string;
}

const readJson = <T>(name: string): T => JSON.parse(readFileSync(join(defaultPolicyDir, name), 'utf8')) as T;
const policy = readJson<{
  constitutionHash: string;
  inputHash: string;
  rules: Rule[];
  listDefinitions: unknown[];
}>('compiled-policy.json');
const annotations = readJson<{ servers: Record<string, { inputHash: string; tools: ToolEntry[] }> }>(
  'tool-annotations.json',
);
const lists = readJson<{ lists: Record<string, { values: string[] }> }>('dynamic-lists.json');
const scenarioFile = readJson<{ constitutionHash: string; inputHash: string; scenarios: Scenario[] }>(
  'test-scenarios.json',
);
const mcpServers = readJson<Record<string, unknown>>('mcp-servers.json');
const servers = Object.entries(annotations.servers);
const tools = servers.flatMap(([, server]) => server.tools);
// Servers the mcp-gateway answers itself, with no process and so no entry in mcp-servers.json
// (services/mcp-gateway/src/domain/virtual/proxy-tools.ts).
const virtualServers = ['proxy'];
const knownServers = [...Object.keys(mcpServers), ...virtualServers];
// Handwritten scenarios that check a malformed call is denied; only these may break the tool's schema.
const isMalformedCallScenario = (scenario: Scenario): boolean =>
  scenario.source === 'handwritten' &&
  scenario.expectedDecision === 'deny' &&
  /^(invalid arguments|unknown tool):/.test(scenario.description);

describe('the shipped default policy', () => {
  it('keeps every artifact in defaultPolicyDir', () => {
    const names = [
      'compiled-policy.json',
      'tool-annotations.json',
      'dynamic-lists.json',
      'test-scenarios.json',
    ];
    for (const name of [...names, 'mcp-servers.json'])
      expect(existsSync(join(defaultPolicyDir, name)), name).toBe(true);
    expect(existsSync(defaultConstitutionFiles.base)).toBe(true);
    expect(existsSync(defaultConstitutionFiles.user)).toBe(true);
  });

  it('was compiled from the constitution as it stands (constitutionHash)', () => {
    const base = readFileSync(defaultConstitutionFiles.base, 'utf8');
    const user = readFileSync(defaultConstitutionFiles.user, 'utf8');
    const expected = sha256Hex(`${base}\n${user}`);
    const hint = `the constitution changed: recompile the policy, or set constitutionHash to ${expected}`;
    expect(policy.constitutionHash, hint).toBe(expected);
    expect(scenarioFile.constitutionHash, hint).toBe(expected);
  });

  it('hashes each server annotation over its tools and schemas, and the policy over its inputs', () => {
    for (const [name, server] of servers) {
      const schemas = server.tools.map((tool) => ({ name: tool.toolName, inputSchema: tool.inputSchema }));
      expect(server.inputHash, `tool-annotations.json servers.${name}.inputHash`).toBe(
        sha256Hex(canonicalJson(schemas)),
      );
    }
    const annotationHashes = Object.fromEntries(servers.map(([name, server]) => [name, server.inputHash]));
    const { constitutionHash, listDefinitions } = policy;
    const inputHash = sha256Hex(canonicalJson({ constitutionHash, annotationHashes, listDefinitions }));
    expect(policy.inputHash).toBe(inputHash);
    expect(scenarioFile.inputHash).toBe(inputHash);
  });

  it('annotates exactly the servers mcp-servers.json starts and the virtual ones, every argument of every tool', () => {
    const annotated = Object.keys(annotations.servers);
    // Every server, those that start only with a credential (github) included: an unannotated server's tools
    // would all be denied (structural-unknown-tool).
    for (const name of knownServers) expect(annotated).toContain(name);
    for (const name of annotated) expect(knownServers).toContain(name);
    for (const tool of tools) {
      const declared = Object.keys(tool.inputSchema.properties ?? {}).sort();
      expect(Object.keys(tool.args).sort(), `${tool.serverName}/${tool.toolName}`).toEqual(declared);
    }
  });

  it('lets a conditional role only narrow its default', () => {
    for (const tool of tools) {
      for (const [argument, spec] of Object.entries(tool.args)) {
        if (Array.isArray(spec)) continue;
        for (const entry of spec.when) {
          const extra = entry.roles.filter((role) => !spec.default.includes(role));
          expect(extra, `${tool.serverName}/${tool.toolName}.${argument}`).toEqual([]);
        }
      }
    }
  });

  it('scopes every rule to known servers, allows or escalates only, and names existing lists', () => {
    for (const rule of policy.rules) {
      expect(rule.if.server?.length ?? 0, rule.name).toBeGreaterThan(0);
      for (const server of rule.if.server ?? []) expect(knownServers, rule.name).toContain(server);
      expect(['allow', 'escalate'], rule.name).toContain(rule.then);
      const allowed = [
        ...(rule.if.domains?.allowed ?? []),
        ...(rule.if.lists ?? []).flatMap((list) => list.allowed),
      ];
      for (const reference of allowed.filter((entry) => entry.startsWith('@')))
        expect(Object.keys(lists.lists), rule.name).toContain(reference.slice(1));
    }
  });

  it('gives every scenario arguments that satisfy the tool schema, except the malformed-call ones', () => {
    const problemsOf = (scenario: Scenario): string[] => {
      const { serverName, toolName, arguments: callArguments } = scenario.request;
      const tool = tools.find((entry) => entry.serverName === serverName && entry.toolName === toolName);
      if (tool === undefined) return [`${scenario.description}: unknown tool ${serverName}/${toolName}`];
      return schemaProblems(tool.inputSchema, callArguments).map(
        (problem) => `${scenario.description}: ${problem}`,
      );
    };
    const [malformed, wellFormed] = [
      scenarioFile.scenarios.filter(isMalformedCallScenario),
      scenarioFile.scenarios.filter((scenario) => !isMalformedCallScenario(scenario)),
    ];
    expect(wellFormed.flatMap(problemsOf)).toEqual([]);
    // A malformed-call scenario that is in fact well formed would test nothing.
    const unbroken = malformed.filter((scenario) => problemsOf(scenario).length === 0);
    expect(unbroken.map((scenario) => scenario.description)).toEqual([]);
  });

  it('covers every tool and keeps the handwritten /etc invariants', () => {
    const covered = new Set(
      scenarioFile.scenarios.map((s) => `${s.request.serverName}/${s.request.toolName}`),
    );
    expect(tools.filter((tool) => !covered.has(`${tool.serverName}/${tool.toolName}`))).toEqual([]);
    expect(scenarioFile.scenarios.length).toBeGreaterThanOrEqual(150);
    const handwritten = scenarioFile.scenarios.filter(
      (s) => s.source === 'handwritten' && s.expectedDecision === 'not-allow',
    );
    const intoEtc = (value: unknown): boolean => typeof value === 'string' && value.startsWith('/etc/');
    expect(
      handwritten.some((s) => s.request.toolName === 'move_file' && intoEtc(s.request.arguments.source)),
    ).toBe(true);
    expect(
      handwritten.some((s) => s.request.toolName === 'write_file' && intoEtc(s.request.arguments.path)),
    ).toBe(true);
  });
});
