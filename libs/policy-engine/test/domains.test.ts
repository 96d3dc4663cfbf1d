// POLICY-SEMANTICS.md, "Domains" and the list matchTypes.
import { describe, expect, it } from 'vitest';
import { createEvaluator, domainMatchesPattern, isIpAddress, type DomainTarget } from '../src/index.js';
import { policyOf, rule } from './helpers.js';

const host = (name: string): DomainTarget => ({ host: name, canonical: name });
const repository = (name: string, path: string): DomainTarget => ({
  host: name,
  canonical: `${name}/${path}`,
});

describe('Domains', () => {
  it('`*` matches any hostname except IP addresses (IPv4, or anything with `:`)', () => {
    expect(domainMatchesPattern(host('example.com'), '*')).toBe(true);
    expect(domainMatchesPattern(host('localhost'), '*')).toBe(true);
    expect(domainMatchesPattern(host('10.0.0.1'), '*')).toBe(false);
    expect(domainMatchesPattern(host('[::1]'), '*')).toBe(false);
    expect(domainMatchesPattern(host('fe80::1'), '*')).toBe(false);
    expect(isIpAddress('169.254.169.254')).toBe(true);
    expect(isIpAddress('1.2.3.example.com')).toBe(false);
  });

  it('`*.example.com` matches example.com and all its subdomains', () => {
    expect(domainMatchesPattern(host('example.com'), '*.example.com')).toBe(true);
    expect(domainMatchesPattern(host('a.b.example.com'), '*.example.com')).toBe(true);
    expect(domainMatchesPattern(host('notexample.com'), '*.example.com')).toBe(false);
    expect(domainMatchesPattern(host('example.com.evil.net'), '*.example.com')).toBe(false);
  });

  it('a pattern with `/` must equal host/owner/repo; a bare host pattern matches any repo on that host', () => {
    expect(domainMatchesPattern(repository('github.com', 'me/app'), 'github.com/me/app')).toBe(true);
    expect(domainMatchesPattern(repository('github.com', 'me/app'), 'GitHub.com/Me/App.git')).toBe(true);
    expect(domainMatchesPattern(repository('github.com', 'me/app-fork'), 'github.com/me/app')).toBe(false);
    expect(domainMatchesPattern(repository('github.com', 'evil/app'), 'github.com/me/app')).toBe(false);
    expect(domainMatchesPattern(repository('github.com', 'anyone/anything'), 'github.com')).toBe(true);
    expect(domainMatchesPattern(repository('gitlab.com', 'me/app'), 'github.com')).toBe(false);
  });

  it('an explicit IP in the allowlist matches that IP', () => {
    expect(domainMatchesPattern(host('10.0.0.1'), '10.0.0.1')).toBe(true);
    expect(domainMatchesPattern(host('10.0.0.2'), '10.0.0.1')).toBe(false);
    expect(domainMatchesPattern(host('[::1]'), '::1')).toBe(true);
  });

  it('end to end: URLs are reduced to their hostname before matching (IPv4 spellings normalized)', () => {
    const evaluator = createEvaluator(
      policyOf({ rules: [rule('web', { domains: { roles: ['fetch-url'], allowed: ['*'] } }, 'allow')] }),
    );
    const fetch = (url: string) =>
      evaluator.evaluate({ serverName: 'fetch', toolName: 'fetch', arguments: { url } });
    expect(fetch('https://Example.COM/path?q=1')).toMatchObject({ decision: 'allow', rule: 'web' });
    expect(fetch('http://169.254.169.254/latest/meta-data').rule).toBe('default-deny');
    expect(fetch('http://0x7f.1/').rule).toBe('default-deny');
    expect(fetch('http://[::1]:8080/').rule).toBe('default-deny');
  });
});

describe('Lists: matchType domains | emails | identifiers', () => {
  const evaluatorWith = (matchType: string, allowed: string[], roles: string[]) =>
    createEvaluator(
      policyOf({ rules: [rule('listed', { lists: [{ roles, allowed, matchType }] }, 'allow')] }),
    );

  it('domains: domain patterns against URL hosts', () => {
    const evaluator = evaluatorWith('domains', ['*.news.com'], ['fetch-url']);
    const fetch = (url: string) =>
      evaluator.evaluate({ serverName: 'fetch', toolName: 'fetch', arguments: { url } });
    expect(fetch('https://www.news.com/a').rule).toBe('listed');
    expect(fetch('https://news.org/a').rule).toBe('default-deny');
  });

  it('emails: case-insensitive equality', () => {
    const evaluator = evaluatorWith('emails', ['Ann@Example.com'], ['email-address']);
    const send = (to: unknown) =>
      evaluator.evaluate({ serverName: 'email', toolName: 'send_email', arguments: { to } });
    expect(send('ann@example.COM').rule).toBe('listed');
    expect(send(['ann@example.com', 'eve@example.com']).rule).toBe('default-deny');
    expect(send(undefined).rule).toBe('default-deny');
  });

  it('identifiers: exact equality (lowercase for GitHub identifiers, which are canonically lowercase)', () => {
    const evaluator = evaluatorWith('identifiers', ['Acme'], ['github-owner']);
    const get = (owner: string) =>
      evaluator.evaluate({ serverName: 'github', toolName: 'get_repo', arguments: { owner } });
    expect(get('ACME').decision).toBe('deny'); // github-repo is a resource role without a rule
    const both = createEvaluator(
      policyOf({
        rules: [
          rule(
            'owner',
            {
              lists: [
                {
                  roles: ['github-owner', 'github-repo'],
                  allowed: ['acme', 'App'],
                  matchType: 'identifiers',
                },
              ],
            },
            'allow',
          ),
        ],
      }),
    );
    const call = (owner: string, repo: string) =>
      both.evaluate({ serverName: 'github', toolName: 'get_repo', arguments: { owner, repo } });
    expect(call('ACME', 'app')).toMatchObject({ decision: 'allow', rule: 'owner' });
    expect(call('acme', 'other').rule).toBe('default-deny');
  });
});
