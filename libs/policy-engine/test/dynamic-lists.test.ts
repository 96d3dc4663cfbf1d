// POLICY-SEMANTICS.md, "dynamic-lists.json" and "`allowed` entries may be `@list-name` references".
import { describe, expect, it } from 'vitest';
import { createEvaluator, effectiveListValues } from '../src/index.js';
import { policyOf, rule } from './helpers.js';

const fetchAllowedNews = rule(
  'allow-news',
  { roles: ['fetch-url'], domains: { roles: ['fetch-url'], allowed: ['@news', 'example.org'] } },
  'allow',
);
const fetchCall = (url: string) => ({ serverName: 'fetch', toolName: 'fetch', arguments: { url } });

describe('dynamic-lists.json', () => {
  it('Effective values = (values ∪ manualAdditions) − manualRemovals', () => {
    const list = {
      values: ['a.com', 'b.com', 'c.com'],
      manualAdditions: ['d.com', 'a.com'],
      manualRemovals: ['b.com', 'd.com'],
      resolvedAt: 'now',
      inputHash: 'h',
    };
    expect(effectiveListValues(list)).toEqual(['a.com', 'c.com']);
  });

  it('`@list-name` references are expanded when the engine loads', () => {
    const policy = policyOf({
      rules: [fetchAllowedNews],
      lists: {
        news: {
          values: ['cnn.com', 'bbc.co.uk'],
          manualAdditions: ['npr.org'],
          manualRemovals: ['bbc.co.uk'],
        },
      },
    });
    expect(policy.compiledPolicy.rules[0]?.if.domains?.allowed).toEqual([
      'cnn.com',
      'npr.org',
      'example.org',
    ]);
    expect(policy.warnings).toEqual([]);
    const evaluator = createEvaluator(policy);
    expect(evaluator.evaluate(fetchCall('https://npr.org/news')).decision).toBe('allow');
    expect(evaluator.evaluate(fetchCall('https://bbc.co.uk/news')).rule).toBe('default-deny');
  });

  it('references in lists[].allowed are expanded too', () => {
    const policy = policyOf({
      rules: [
        rule(
          'mail-friends',
          { lists: [{ roles: ['email-address'], allowed: ['@friends'], matchType: 'emails' }] },
          'allow',
        ),
      ],
      lists: { friends: { values: ['Ann@Example.com'] } },
    });
    const evaluator = createEvaluator(policy);
    const send = (to: string) =>
      evaluator.evaluate({ serverName: 'email', toolName: 'send_email', arguments: { to, body: 'hi' } });
    expect(send('ann@example.com')).toMatchObject({ decision: 'allow', rule: 'mail-friends' });
    expect(send('bob@example.com')).toMatchObject({ decision: 'deny', rule: 'default-deny' });
  });

  it('A missing list expands to an empty allowlist (deny) with one warning', () => {
    const twice = rule('also-news', { domains: { roles: ['fetch-url'], allowed: ['@news'] } }, 'allow');
    const policy = policyOf({ rules: [fetchAllowedNews, twice] });
    expect(policy.warnings).toHaveLength(1);
    expect(policy.warnings[0]).toMatchObject({ code: 'MISSING_DYNAMIC_LIST', list: 'news' });
    expect(policy.compiledPolicy.rules[1]?.if.domains?.allowed).toEqual([]);
    const decision = createEvaluator(policy).evaluate(fetchCall('https://cnn.com/'));
    expect(decision).toMatchObject({ decision: 'deny', rule: 'default-deny' });
  });
});
