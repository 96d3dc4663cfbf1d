// POLICY-SEMANTICS.md, "Artifacts (in a policy directory)": the four file formats, loading and the policy hash.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computePolicyHash, loadPolicyDirectory, parsePolicyArtifacts } from '../src/index.js';
import { artifacts, rule, temporaryDirectory, tool } from './helpers.js';

function writePolicyDirectory(files: Record<string, unknown>): string {
  const directory = temporaryDirectory();
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(directory, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return directory;
}

async function loadError(files: Record<string, unknown>): Promise<{ code: string; message: string }> {
  const error = await loadPolicyDirectory(writePolicyDirectory(files)).catch((caught: unknown) => caught);
  expect(error).toMatchObject({ code: 'POLICY_INVALID' });
  return error as { code: string; message: string };
}

const base = artifacts({ rules: [rule('allow-reads', { roles: ['read-path'] }, 'allow')] });
const scenarios = {
  generatedAt: 'now',
  constitutionHash: 'c',
  inputHash: 'i',
  scenarios: [
    {
      description: 'read outside',
      request: { serverName: 'filesystem', toolName: 'read_file', arguments: { path: '/etc/passwd' } },
      expectedDecision: 'not-allow',
      reasoning: 'outside the sandbox',
      source: 'handwritten',
    },
  ],
};

describe('Artifacts: loadPolicyDirectory', () => {
  it('reads compiled-policy.json and tool-annotations.json; dynamic-lists.json and test-scenarios.json are optional', async () => {
    const directory = writePolicyDirectory({
      'compiled-policy.json': base.compiledPolicy,
      'tool-annotations.json': base.toolAnnotations,
    });
    const policy = await loadPolicyDirectory(directory);
    expect(policy.compiledPolicy.rules.map((entry) => entry.name)).toEqual(['allow-reads']);
    expect(policy.dynamicLists).toBeUndefined();
    expect(policy.testScenarios).toBeUndefined();
    expect(policy.annotations.get('filesystem')?.get('read_file')?.args).toEqual({ path: ['read-path'] });
  });

  it('test-scenarios.json: expectedDecision may be "not-allow"', async () => {
    const policy = await loadPolicyDirectory(
      writePolicyDirectory({
        'compiled-policy.json': base.compiledPolicy,
        'tool-annotations.json': base.toolAnnotations,
        'test-scenarios.json': scenarios,
      }),
    );
    expect(policy.testScenarios?.scenarios[0]?.expectedDecision).toBe('not-allow');
  });

  it('a bad file gets POLICY_INVALID naming the file, the JSON path and the problem', async () => {
    const rules = [0, 1, 2].map((index) => rule(`rule-${index}`, {}, 'allow'));
    rules.push({ ...rule('rule-3', {}, 'allow'), then: 'maybe' } as unknown as (typeof rules)[number]);
    const error = await loadError({
      'compiled-policy.json': { ...base.compiledPolicy, rules },
      'tool-annotations.json': base.toolAnnotations,
    });
    expect(error.message).toBe('compiled-policy.json: rules[3].then: expected "allow" | "deny" | "escalate"');
  });

  it('a missing required file is POLICY_INVALID naming the file and how to fix it', async () => {
    const error = await loadError({ 'tool-annotations.json': base.toolAnnotations });
    expect(error.message).toMatch(/^compiled-policy\.json: not found in .*ironcurtain compile-policy/);
  });

  it('a file that is not JSON is POLICY_INVALID naming the file', async () => {
    const error = await loadError({
      'compiled-policy.json': '{ nope',
      'tool-annotations.json': base.toolAnnotations,
    });
    expect(error.message).toMatch(/^compiled-policy\.json: not valid JSON/);
  });

  it('a bad optional file is still an error (dynamic-lists.json)', async () => {
    const error = await loadError({
      'compiled-policy.json': base.compiledPolicy,
      'tool-annotations.json': base.toolAnnotations,
      'dynamic-lists.json': { generatedAt: 'now', lists: { news: { values: 'cnn.com' } } },
    });
    expect(error.message).toContain('dynamic-lists.json: lists.news.values: expected array, received string');
  });

  it('a directory where a file should be is POLICY_INVALID', async () => {
    const directory = writePolicyDirectory({ 'tool-annotations.json': base.toolAnnotations });
    mkdirSync(join(directory, 'compiled-policy.json'));
    await expect(loadPolicyDirectory(directory)).rejects.toMatchObject({ code: 'POLICY_INVALID' });
  });
});

describe('Artifacts: compiled-policy.json', () => {
  const parseRules = (rules: unknown[]) => () =>
    parsePolicyArtifacts({ ...base, compiledPolicy: { ...base.compiledPolicy, rules } });

  it('Condition: every field optional; an unknown condition key is rejected (it would widen the rule)', () => {
    expect(parseRules([rule('empty', {}, 'deny')])).not.toThrow();
    expect(parseRules([rule('typo', { rolez: ['read-path'] }, 'allow')])).toThrow(
      'compiled-policy.json: rules[0].if: unknown key "rolez"',
    );
  });

  it('Rule.name is kebab-case', () => {
    expect(parseRules([rule('Not Kebab', {}, 'allow')])).toThrow(
      /rules\[0\]\.name: expected a kebab-case name/,
    );
  });

  it('rule ids of the engine (structural-*, default-deny, trusted-server, invalid-arguments) are reserved', () => {
    expect(parseRules([rule('structural-sandbox-allow', {}, 'allow')])).toThrow(/reserved/);
    expect(parseRules([rule('default-deny', {}, 'allow')])).toThrow(/reserved/);
  });

  it('roles must be known role names', () => {
    expect(parseRules([rule('bad-role', { roles: ['read-file'] }, 'allow')])).toThrow(
      /rules\[0\]\.if\.roles\[0\]: expected "read-path" \| "write-path"/,
    );
  });

  it('lists[].matchType is domains | emails | identifiers', () => {
    const lists = [{ roles: ['email-address'], allowed: [], matchType: 'names' }];
    expect(parseRules([rule('bad-list', { lists }, 'allow')])).toThrow(
      'rules[0].if.lists[0].matchType: expected "domains" | "emails" | "identifiers"',
    );
  });

  it('listDefinitions and skippedServers are accepted', () => {
    const compiledPolicy = {
      ...base.compiledPolicy,
      listDefinitions: [{ name: 'x' }],
      skippedServers: ['s'],
    };
    expect(() => parsePolicyArtifacts({ ...base, compiledPolicy })).not.toThrow();
  });
});

describe('Artifacts: tool-annotations.json', () => {
  const parseTools = (tools: unknown[]) => () =>
    parsePolicyArtifacts({
      ...base,
      toolAnnotations: { generatedAt: 'now', servers: { git: { inputHash: 'h', tools } } },
    });

  it('Conditional: each `when` condition has exactly one of equals | in | is', () => {
    const args = {
      mode: {
        default: ['write-history'],
        when: [{ condition: { arg: 'x', equals: 1, is: 'present' }, roles: [] }],
      },
    };
    expect(parseTools([tool('git', 'git_reset', args)])).toThrow(
      /expected exactly one of "equals", "in" or "is"/,
    );
  });

  it('Conditional: `when` roles ⊆ `default`', () => {
    const args = {
      path: {
        default: ['read-path'],
        when: [{ condition: { arg: 'x', is: 'truthy' }, roles: ['write-history'] }],
      },
    };
    expect(parseTools([tool('git', 'git_reset', args)])).toThrow(
      /servers\.git\.tools\[0\]\.args\.path\.when\[0\]\.roles: roles "write-history" are not in "default"/,
    );
  });

  it('a tool listed under a server must name that server', () => {
    expect(parseTools([tool('filesystem', 'read_file', { path: ['read-path'] })])).toThrow(
      'servers.git.tools[0].serverName: expected "git"',
    );
  });

  it('a tool annotated twice is rejected', () => {
    const twice = [tool('git', 'git_push', {}), tool('git', 'git_push', {})];
    expect(parseTools(twice)).toThrow(/"git_push" is annotated twice/);
  });
});

describe('Artifacts: policy content hash', () => {
  it('is sha256 hex over the canonical JSON of the three artifacts: key order does not matter', () => {
    const reordered = {
      toolAnnotations: { servers: base.toolAnnotations.servers, generatedAt: 'now' },
      compiledPolicy: {
        rules: base.compiledPolicy.rules,
        inputHash: 'i',
        constitutionHash: 'c',
        generatedAt: 'now',
      },
    };
    expect(computePolicyHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(computePolicyHash(reordered)).toBe(computePolicyHash(base));
  });

  it('changes when a rule, an annotation or a list changes, not when test scenarios do', () => {
    const hash = parsePolicyArtifacts(base).policyHash;
    const denied = artifacts({ rules: [rule('allow-reads', { roles: ['read-path'] }, 'deny')] });
    expect(parsePolicyArtifacts(denied).policyHash).not.toBe(hash);
    const withList = artifacts({ rules: base.compiledPolicy.rules, lists: { a: { values: ['x'] } } });
    expect(parsePolicyArtifacts(withList).policyHash).not.toBe(hash);
    expect(parsePolicyArtifacts({ ...base, testScenarios: scenarios }).policyHash).toBe(hash);
  });
});
