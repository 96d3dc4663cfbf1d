// FETCH-5 (mcp-servers/fetch/README.md): the fetch server does not follow a redirect to another origin. It returns
// the target to the agent, and reaching it is a second http_fetch call. Here that second call goes through the shipped
// policy: it is decided on its own URL, so an open redirect on an allow-listed site does not carry the agent's request
// to a host nobody approved. Decided with the servers' domain gates (as `policy verify` and a PDP given
// IRONCURTAIN_MCP_CONFIG decide) and without them (a config whose servers declare none): the decision is the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCall, loadShippedPolicy, type ShippedPolicy } from './policy-decider.js';

let policy: ShippedPolicy;

beforeAll(async () => {
  policy = await loadShippedPolicy();
});

afterAll(async () => {
  await policy?.close();
});

describe('the call to a redirect target is decided on its own [FETCH-5]', () => {
  // [allowed first URL, the target its redirect names, decision, rule with the gates, rule without them]
  it.each([
    [
      'https://github.com/login?return_to=https%3A%2F%2Fcollector.attacker.example%2F',
      'https://collector.attacker.example/collect?d=c2VjcmV0',
      'escalate',
      'escalate-fetch-other-sites',
      'escalate-fetch-other-sites',
    ],
    [
      'https://www.bbc.co.uk/go?to=203.0.113.7',
      'http://203.0.113.7/collect?d=c2VjcmV0',
      'escalate',
      'structural-domain-escalate',
      'escalate-fetch-other-sites',
    ],
    [
      'https://docs.python.org/3/redirect',
      'https://username.github.io/page',
      'escalate',
      'escalate-fetch-other-sites',
      'escalate-fetch-other-sites',
    ],
    [
      'https://developer.mozilla.org/redirect',
      'http://169.254.169.254/latest/meta-data/',
      'escalate',
      'structural-domain-escalate',
      'escalate-fetch-other-sites',
    ],
    [
      'https://www.npmjs.com/redirect',
      'file:///etc/passwd',
      'deny',
      'invalid-arguments',
      'invalid-arguments',
    ],
  ])(
    'allows %s, and decides its target %s on its own',
    (first, target, decision, ruleWithGates, ruleWithoutGates) => {
      expect(policy.decideWithGates(fetchCall(first)).decision).toBe('allow');
      expect(policy.decideWithoutGates(fetchCall(first)).decision).toBe('allow');
      expect(policy.decideWithGates(fetchCall(target))).toEqual({ decision, rule: ruleWithGates });
      expect(policy.decideWithoutGates(fetchCall(target))).toEqual({ decision, rule: ruleWithoutGates });
    },
  );

  it.each([
    ['https://github.com/nodejs/node', 'https://github.com/nodejs/node/tree/main'],
    ['https://www.bbc.co.uk/news', 'https://www.bbc.co.uk/news/technology'],
    ['https://example.com/a', 'https://example.com/b'],
  ])('decides a target on the same origin as %s like the first call', (first, sameOrigin) => {
    expect(policy.decideWithGates(fetchCall(sameOrigin))).toEqual(policy.decideWithGates(fetchCall(first)));
    expect(policy.decideWithoutGates(fetchCall(sameOrigin))).toEqual(
      policy.decideWithoutGates(fetchCall(first)),
    );
  });
});
