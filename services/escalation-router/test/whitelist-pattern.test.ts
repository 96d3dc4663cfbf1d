import { describe, expect, it } from 'vitest';
import {
  buildSimilarPattern,
  describePattern,
  matchesPattern,
  type Pattern,
  type WhitelistCall,
} from '../src/domain/whitelist-pattern.js';

const now = new Date('2026-11-24T12:00:00.000Z');

function call(
  role: string,
  value: unknown,
  extra: Partial<WhitelistCall> = {},
): WhitelistCall & { id: string } {
  return {
    id: 'esc_1',
    serverName: 'files',
    escalatedRoles: [role],
    canonicalArguments: { target: value },
    argumentRoles: { target: [role] },
    ...extra,
  };
}

function patternOf(role: string, value: unknown): Pattern {
  const result = buildSimilarPattern(call(role, value), 'alice', now);
  if (!('pattern' in result)) throw new Error(`refused: ${result.refusal}`);
  return result.pattern;
}

describe('buildSimilarPattern', () => {
  it('builds from the escalated roles only: directory, exact host, repository, identifier', () => {
    expect(patternOf('write-path', '/home/me/docs/a.txt').constraints).toEqual([
      { role: 'write-path', kind: 'directory', value: '/home/me/docs' },
    ]);
    expect(patternOf('fetch-url', 'https://Docs.Example.com:8443/x?y=1').constraints).toEqual([
      { role: 'fetch-url', kind: 'domain', value: 'docs.example.com' },
    ]);
    expect(patternOf('git-remote-url', 'github.com/acme/site').constraints).toEqual([
      { role: 'git-remote-url', kind: 'repository', value: 'github.com/acme/site' },
    ]);
    expect(patternOf('github-owner', 'Acme').constraints).toEqual([
      { role: 'github-owner', kind: 'identifier', value: 'acme' },
    ]);
    const twoDirectories = patternOf('write-path', ['/a/b/1.txt', '/a/b/2.txt', '/c/d/3.txt']);
    expect(twoDirectories.constraints.map((constraint) => constraint.value)).toEqual(['/a/b', '/c/d']);
    expect(describePattern(twoDirectories)).toBe('files: write-path under /a/b, write-path under /c/d');
  });

  it('ignores arguments that do not carry an escalated role', () => {
    const result = buildSimilarPattern(
      {
        id: 'esc_1',
        serverName: 'files',
        escalatedRoles: ['write-path'],
        canonicalArguments: { target: '/data/out/x', source: '/etc/passwd' },
        argumentRoles: { target: ['write-path'], source: ['read-path'] },
      },
      'alice',
      now,
    );
    expect('pattern' in result && result.pattern.constraints).toEqual([
      { role: 'write-path', kind: 'directory', value: '/data/out' },
    ]);
  });

  it.each([
    ['no escalated role', call('write-path', '/a/b/c', { escalatedRoles: [] })],
    ['a path directly in /', call('write-path', '/passwd')],
    ['a non-canonical path', call('write-path', '/a/b/../c')],
    ['a relative path', call('write-path', 'a/b/c')],
    ['an opaque role', call('commit-message', 'fix it')],
    ['an unknown role', call('made-up-role', 'x')],
    ['no value for the role', call('write-path', '/a/b/c', { argumentRoles: {} })],
    ['a non-string value', call('write-path', 42)],
    ['control characters', call('write-path', '/a/b\u0000/c')],
    ['a URL without a host', call('fetch-url', 'file:///etc/passwd')],
  ])('refuses %s', (_name, ticket) => {
    expect(buildSimilarPattern(ticket, 'alice', now)).toHaveProperty('refusal');
  });
});

describe('matchesPattern', () => {
  const documents = patternOf('write-path', '/home/me/docs/a.txt');

  it('matches the directory itself and anything under it, nothing beside it', () => {
    expect(matchesPattern(documents, call('write-path', '/home/me/docs/b.txt'))).toBe(true);
    expect(matchesPattern(documents, call('write-path', '/home/me/docs'))).toBe(true);
    expect(matchesPattern(documents, call('write-path', '/home/me/docs/x/y/z'))).toBe(true);
    expect(matchesPattern(documents, call('write-path', '/home/me/docs2/b.txt'))).toBe(false);
    expect(matchesPattern(documents, call('write-path', '/home/me/b.txt'))).toBe(false);
    expect(matchesPattern(documents, call('write-path', '/home/me/docs/../.ssh/id'))).toBe(false);
    expect(matchesPattern(documents, call('write-path', ['/home/me/docs/a', '/tmp/b']))).toBe(false);
  });

  it('needs the same server, the same roles, and a value for each', () => {
    expect(matchesPattern(documents, call('write-path', '/home/me/docs/b', { serverName: 'other' }))).toBe(
      false,
    );
    expect(matchesPattern(documents, call('delete-path', '/home/me/docs/b'))).toBe(false);
    expect(matchesPattern(documents, call('write-path', '/home/me/docs/b', { escalatedRoles: [] }))).toBe(
      false,
    );
    expect(matchesPattern(documents, call('write-path', '/home/me/docs/b', { argumentRoles: {} }))).toBe(
      false,
    );
    const twoRoles = call('write-path', '/home/me/docs/b', {
      escalatedRoles: ['write-path', 'fetch-url'],
      canonicalArguments: { target: '/home/me/docs/b', url: 'https://x.example/' },
      argumentRoles: { target: ['write-path'], url: ['fetch-url'] },
    });
    expect(matchesPattern(documents, twoRoles)).toBe(false);
  });

  it('compares hosts exactly, repositories whole, identifiers case-insensitively', () => {
    const site = patternOf('fetch-url', 'https://docs.example.com/a');
    expect(matchesPattern(site, call('fetch-url', 'https://DOCS.example.com/other?q'))).toBe(true);
    expect(matchesPattern(site, call('fetch-url', 'https://a.docs.example.com/'))).toBe(false);
    expect(matchesPattern(site, call('fetch-url', 'https://docs.example.com.evil.net/'))).toBe(false);
    const repository = patternOf('git-remote-url', 'https://github.com/acme/site.git');
    expect(matchesPattern(repository, call('git-remote-url', 'git@github.com:acme/site.git'))).toBe(true);
    expect(matchesPattern(repository, call('git-remote-url', 'github.com/acme/other'))).toBe(false);
    const owner = patternOf('github-owner', 'acme');
    expect(matchesPattern(owner, call('github-owner', 'ACME'))).toBe(true);
    expect(matchesPattern(owner, call('github-owner', 'acme-evil'))).toBe(false);
  });
});
