// The rule texts of compiled-policy.json say what the decisions are. The domain gates are the domains the servers
// declare in the MCP server config the stack runs (the shipped mcp-servers.json unless another is named), and another
// config may declare none; a rule text that leaned on a gate ("the domain gate escalates IP addresses") was false
// without one: the IP address then matched no rule and was denied by default. These tests hold the texts to both.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import type { ToolCall } from '@ironcurtain/policy-engine';
import { fetchCall, loadShippedPolicy, type ShippedPolicy } from './policy-decider.js';

interface Scenario {
  description: string;
  request: ToolCall;
}
const scenarios = (
  JSON.parse(readFileSync(join(defaultPolicyDir, 'test-scenarios.json'), 'utf8')) as { scenarios: Scenario[] }
).scenarios;

let policy: ShippedPolicy;

beforeAll(async () => {
  policy = await loadShippedPolicy();
});

afterAll(async () => {
  await policy?.close();
});

describe('escalate-fetch-other-sites: any other host, IP addresses included, escalates', () => {
  it.each([
    'http://93.184.216.34/',
    'http://[2606:4700:4700::1111]/dns-query',
    'http://127.0.0.1:3000/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://10.0.0.1/router',
    'http://[::1]/',
  ])('escalates %s with the domain gates and without them', (url) => {
    expect(policy.decideWithGates(fetchCall(url))).toEqual({
      decision: 'escalate',
      rule: 'structural-domain-escalate',
    });
    expect(policy.decideWithoutGates(fetchCall(url))).toEqual({
      decision: 'escalate',
      rule: 'escalate-fetch-other-sites',
    });
  });

  it('decides every fetch scenario the same with and without the domain gates', () => {
    const fetchScenarios = scenarios.filter((scenario) => scenario.request.serverName === 'fetch');
    expect(fetchScenarios.length).toBeGreaterThan(40);
    const differing = fetchScenarios
      .map((scenario) => ({
        description: scenario.description,
        withGates: policy.decideWithGates(scenario.request).decision,
        withoutGates: policy.decideWithoutGates(scenario.request).decision,
      }))
      .filter((outcome) => outcome.withGates !== outcome.withoutGates);
    expect(differing).toEqual([]);
  });
});

describe('escalate-git-remote-operations: host names only, as its text says', () => {
  const ipRemote: ToolCall = {
    serverName: 'git',
    toolName: 'git_clone',
    arguments: { url: 'http://192.168.1.10/repo.git', path: 'lan-repo' },
  };

  it('escalates an IP-address remote by the domain gate, and denies it by default without the gate', () => {
    expect(policy.decideWithGates(ipRemote)).toEqual({
      decision: 'escalate',
      rule: 'structural-domain-escalate',
    });
    expect(policy.decideWithoutGates(ipRemote)).toEqual({ decision: 'deny', rule: 'default-deny' });
  });

  it('denies a push whose remote cannot be resolved (a repository without remotes), never asking a human', () => {
    execFileSync('git', ['init', '--quiet', policy.sandboxDir]);
    for (const toolName of ['git_push', 'git_fetch', 'git_pull']) {
      const call: ToolCall = { serverName: 'git', toolName, arguments: { path: '.' } };
      expect(policy.decideWithGates(call), toolName).toEqual({ decision: 'deny', rule: 'default-deny' });
      expect(policy.decideWithoutGates(call), toolName).toEqual({ decision: 'deny', rule: 'default-deny' });
    }
  });
});
