import { describe, expect, it } from 'vitest';
import { autoApprovalFacts, domainOf, sanitizeValue } from '../src/domain/auto-approval-prompt.js';
import { autoApproveSettingsOf, defaultAutoApproveModel } from '../src/domain/auto-approve-settings.js';
import { statusOfDecision } from '../src/domain/resolution.js';
import { ticketIdOf } from '../src/domain/ticket.js';

describe('ticket ids', () => {
  it('are derived from session and call id: stable, distinct per session, valid KV keys', () => {
    expect(ticketIdOf('s1', 'c1')).toBe(ticketIdOf('s1', 'c1'));
    expect(ticketIdOf('s1', 'c1')).not.toBe(ticketIdOf('s2', 'c1'));
    expect(ticketIdOf('s1', 'c1')).toMatch(/^esc_[0-9a-f]{16}$/);
  });
});

describe('decisions', () => {
  it('only the exact word "approved" approves', () => {
    expect(statusOfDecision('approved')).toBe('approved');
    for (const other of ['denied', 'Approved', 'approved ', 'yes', ''])
      expect(statusOfDecision(other)).toBe('denied');
  });
});

describe('what the auto-approver sees', () => {
  it('only resource-identifier arguments, URLs as domains, values sanitized and cut', () => {
    const facts = autoApprovalFacts(
      {
        serverName: 'git',
        toolName: 'git_push',
        reason: 'push needs approval',
        canonicalArguments: {
          path: '/repo',
          remote: 'github.com/acme/site',
          message: 'secret commit text',
          owner: `acme\u0000\u200b${'x'.repeat(300)}`,
        },
        argumentRoles: {
          path: ['read-path'],
          remote: ['git-remote-url'],
          message: ['commit-message'],
          owner: ['github-owner'],
        },
      },
      'push it',
    );
    expect(facts.resources).toEqual([
      { argument: 'path', roles: ['read-path'], values: ['/repo'] },
      { argument: 'remote', roles: ['git-remote-url'], values: ['github.com'] },
      { argument: 'owner', roles: ['github-owner'], values: [`acme${'x'.repeat(196)}`] },
    ]);
    expect(JSON.stringify(facts)).not.toContain('secret commit text');
  });

  it('reduces URLs to their domain and strips invisible characters', () => {
    expect(domainOf('https://user:pw@Example.COM/a/b?c#d')).toBe('example.com');
    expect(domainOf('git@github.com:acme/site.git')).toBe('github.com');
    expect(domainOf('not a url')).toBe('(not a URL)');
    expect(sanitizeValue('a\u202eb\u0007c\nd')).toBe('abcd');
  });
});

describe('auto-approve settings', () => {
  it('are off by default and come from the environment alone', () => {
    expect(autoApproveSettingsOf({})).toEqual({ isEnabled: false, modelId: defaultAutoApproveModel });
    expect(autoApproveSettingsOf({ enabled: true, modelId: 'openai:gpt-4.1' })).toEqual({
      isEnabled: true,
      modelId: 'openai:gpt-4.1',
    });
    expect(autoApproveSettingsOf({ enabled: false }).isEnabled).toBe(false);
  });
});
