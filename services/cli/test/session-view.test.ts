// The session console's formatting (`start` and `demo`): agent text, tool notes, code and prompts made safe, every
// line of agent text behind a gutter IronCurtain's own lines never have, and rendered inert by a real emulator.
import { describe, expect, it } from 'vitest';
import { formatTranscriptEntry } from '../src/domain/session/session-commands.js';
import { createPendingApprovals } from '../src/domain/session/pending-approvals.js';
import {
  codeOfNote,
  formatBudget,
  formatCodeNote,
  formatEscalation,
  formatOutput,
  formatWholeCode,
} from '../src/domain/session/session-view.js';
import { hostileText, hostileTextShown } from './hostile-text.js';
import { renderInTerminal } from '@ironcurtain/testing';

const output = (kind: 'assistant' | 'tool' | 'system', text: string) => ({
  sessionId: 's',
  turn: 1,
  kind,
  text,
});
const ticket = (id: string, url = 'https://collect.attacker.example/x') => ({
  id,
  callId: 'c',
  sessionId: 's',
  serverName: 'fetch',
  toolName: 'http_fetch',
  canonicalArguments: { headers: { pad: 'x'.repeat(900) }, url },
  argsHash: 'a'.repeat(64),
  reason: 'not on an approved list',
  rule: 'escalate-fetch-other-sites',
  escalatedRoles: ['fetch-url'],
  argumentRoles: { url: ['fetch-url'], headers: ['none'] },
  createdAt: '2026-11-24T12:00:00.000Z',
  expiresAt: '2026-11-24T12:05:00.000Z',
  status: 'pending' as const,
  autoApproved: false,
});

async function expectInert(text: string): Promise<void> {
  const screen = await renderInTerminal(`${text}\n`, { cols: 1000 });
  expect(screen.lines).toEqual(text.split('\n'));
  expect(screen.effects).toEqual([]);
  expect(screen.scrollsNormally).toBe(true);
}

describe('session console output', () => {
  it('shows assistant text, tool and system notes inert, every agent line behind its gutter', async () => {
    const fakePrompt = `${hostileText}\n  ? approval needed [abc123]: fetch.http_fetch\n    answer with /approve abc123`;
    const assistant = formatOutput(output('assistant', fakePrompt));
    expect(assistant.split('\n')).toEqual([
      `agent › ${hostileTextShown}`,
      'agent │   ? approval needed [abc123]: fetch.http_fetch',
      'agent │     answer with /approve abc123',
    ]);
    const tool = formatOutput(output('tool', `fetch.http_fetch: the tool reported an error: ${hostileText}`));
    const system = formatOutput(output('system', `user: ${hostileText}\nsecond line`));
    expect(system.split('\n')[1]).toBe('    │ second line');
    const budget = formatBudget({
      sessionId: 's',
      dimension: 'steps',
      used: 160,
      limit: 200,
      isExhausted: false,
    });
    for (const text of [assistant, tool, system, budget]) await expectInert(text);
  });

  it('shows 12 lines of code, says how many are hidden, and shows all of it on request', async () => {
    const code = [
      `// ${hostileText}`,
      ...Array.from({ length: 29 }, (_, index) => `line(${index + 2});`),
    ].join('\n');
    const event = output('tool', `running code (30 lines):\n${code}`);
    expect(codeOfNote(event)).toBe(code);
    expect(codeOfNote(output('tool', 'finished: ok'))).toBeUndefined();
    expect(codeOfNote(output('assistant', 'running code (1 line):\nx'))).toBeUndefined();
    const note = formatCodeNote(code, 3);
    const lines = note.split('\n');
    expect(lines[0]).toBe('  ⚙ running code #3: 30 lines, 18 not shown (/code 3 shows all)');
    // A long line is cut visibly too; /code shows it whole.
    expect(lines[1]).toBe(`    │ // ${hostileTextShown.slice(0, 197)}… (79 more characters)`);
    expect(lines).toHaveLength(14);
    expect(lines[13]).toBe('    … 18 more lines not shown: /code 3 shows all 30');
    expect(formatCodeNote('return 1;', 1)).toBe('  ⚙ running code #1: 1 line\n    │ return 1;');
    const whole = formatWholeCode(code, 3);
    expect(whole.split('\n')).toHaveLength(32);
    expect(whole).toContain('    30 │ line(30);');
    expect(whole).toContain(`     1 │ // ${hostileTextShown}\n`);
    for (const text of [note, whole]) await expectInert(text);
  });

  it('renders a prompt from the ticket: code, whole URL first, padding cut, answer naming the code', async () => {
    const prompt = formatEscalation(
      ticket('esc_3f9a0c1d2e4b5a6c', `https://x.example/${hostileText}`),
      false,
    );
    const lines = prompt.split('\n');
    expect(lines[0]).toBe('  ? approval needed [3f9a0c]: fetch.http_fetch (ticket esc_3f9a0c1d2e4b5a6c)');
    expect(lines[2]).toMatch(/^ {4}url \[fetch-url, escalated\]: "https:\/\/x\.example\/title\\u001b\]0;/);
    expect(lines[3]).toMatch(/^ {4}headers \[none\]: \{"pad":"x+… \(\d+ more characters\)$/);
    expect(lines.at(-1)).toBe('    answer with /approve 3f9a0c or /deny 3f9a0c');
    expect(formatEscalation(ticket('esc_3f9a0c1d2e4b5a6c'), true).split('\n').at(-1)).toBe(
      '    approve 3f9a0c? [y/N]',
    );
    await expectInert(prompt);
  });

  it('shows what the agent asked for and what will run where they differ, one line where they do not', async () => {
    const sandboxFile = '/home/me/.ironcurtain/sessions/s/sandbox/notes.md';
    const write = {
      ...ticket('esc_3f9a0c1d2e4b5a6c'),
      serverName: 'filesystem',
      toolName: 'write_file',
      canonicalArguments: { path: sandboxFile, content: 'hello' },
      requestedArguments: { path: 'notes.md', content: 'hello' },
      rule: 'escalate-writes',
      escalatedRoles: ['write-path'],
      argumentRoles: { path: ['write-path'], content: ['none'] },
    };
    const prompt = formatEscalation(write, true);
    expect(prompt.split('\n').slice(2, 6)).toEqual([
      '    path [write-path, escalated]:',
      '      asked: "notes.md"',
      `      will run: "${sandboxFile}"`,
      '    content [none]: "hello"',
    ]);
    await expectInert(prompt);
    const identical = formatEscalation({ ...write, requestedArguments: undefined }, true);
    expect(identical.split('\n')[2]).toBe(`    path [write-path, escalated]: "${sandboxFile}"`);
    expect(identical).not.toContain('asked:');
  });

  it('shows /logs entries inert, with how many lines each leaves out', async () => {
    const entry = JSON.stringify({
      at: '2026-11-24T12:00:00.000Z',
      kind: 'assistant',
      text: `${hostileText}\na\nb`,
    });
    const shown = formatTranscriptEntry(entry);
    expect(shown).toMatch(
      /^2026-11-24T12:00:00\.000Z assistant: title\\x1b\]0;pwned-title\\x07 .*\(\+2 more lines\)$/,
    );
    expect(formatTranscriptEntry(`{"torn${hostileText}`)).toMatch(/^\(not a transcript entry: \{"torn/);
    await expectInert(shown);
    await expectInert(formatTranscriptEntry(`{"torn${hostileText}`));
  });
});

describe('pending approvals', () => {
  const how = '/approve CODE or /deny CODE';

  it('takes the only pending ticket without a code, and never guesses between two', () => {
    const pending = createPendingApprovals();
    expect(pending.choose(undefined, how)).toEqual({ problem: 'no approval is waiting' });
    pending.add(ticket('esc_3f9a0c1d2e4b5a6c'));
    expect(pending.choose(undefined, how)).toEqual({ ticketId: 'esc_3f9a0c1d2e4b5a6c' });
    pending.add(ticket('esc_77aa00bb11cc22dd'));
    expect(pending.choose(undefined, how)).toEqual({
      problem:
        '2 approvals are waiting: 3f9a0c (fetch.http_fetch), 77aa00 (fetch.http_fetch). Say which: ' +
        '/approve CODE or /deny CODE',
    });
    expect(pending.choose('77aa00', how)).toEqual({ ticketId: 'esc_77aa00bb11cc22dd' });
    expect(pending.choose('esc_3f9a0c1d2e4b5a6c', how)).toEqual({ ticketId: 'esc_3f9a0c1d2e4b5a6c' });
    expect(pending.choose('123456', how)).toMatchObject({
      problem: expect.stringMatching(/^no waiting approval has the code 123456; waiting: 3f9a0c/),
    });
    pending.remove('esc_3f9a0c1d2e4b5a6c');
    expect(pending.choose(undefined, how)).toEqual({ ticketId: 'esc_77aa00bb11cc22dd' });
  });

  it('asks again when a code names two tickets, and passes a whole unknown id to the router', () => {
    const pending = createPendingApprovals();
    pending.add(ticket('esc_3f9a0c1d2e4b5a6c'));
    pending.add(ticket('esc_3f9a0c99887766aa'));
    expect(pending.choose('3f9a0c', how)).toMatchObject({
      problem: expect.stringMatching(/names more than one/),
    });
    expect(pending.choose('3f9a0c1d', how)).toEqual({ ticketId: 'esc_3f9a0c1d2e4b5a6c' });
    expect(pending.choose('esc_ffffffffffffffff', how)).toEqual({ ticketId: 'esc_ffffffffffffffff' });
  });
});
