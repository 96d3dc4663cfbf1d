// What a message from the pinned person means: only a whole-message answer approves, slash commands never reach
// the agent, and everything else is the agent's input.
import { describe, expect, it } from 'vitest';
import { helpMessage } from '../src/domain/help-text.js';
import { parseSignalReply } from '../src/domain/reply.js';
import { parseStyledLikeSignal } from './styled-text-oracle.js';

describe('parseSignalReply', () => {
  it.each([
    ['approve', { kind: 'approve' }],
    ['Deny', { kind: 'deny' }],
    ['/approve', { kind: 'approve' }],
    ['  APPROVE  \n', { kind: 'approve' }],
    ['approve #2', { kind: 'approve', label: 2 }],
    ['deny 2', { kind: 'deny', label: 2 }],
    ['APPROVE #2', { kind: 'approve', label: 2 }],
    ['approve#12', { kind: 'approve', label: 12 }],
    ['/deny # 3', { kind: 'deny', label: 3 }],
    ['approve #007', { kind: 'approve', label: 7 }],
    ['approve #0', { kind: 'approve', label: 0 }],
  ])('%j is an answer', (text, expected) => {
    expect(parseSignalReply(text)).toEqual(expected);
  });

  it.each([
    'approve the plan and push',
    'approve it',
    'I approve',
    'approve #2 please',
    'deny #abc',
    'approve #1234567890',
    'approve\u200B',
    'approved',
    'approve!',
  ])('%j is a message for the agent, not an answer', (text) => {
    expect(parseSignalReply(text)).toEqual({ kind: 'message', text: text.trim() });
  });

  it.each([
    ['/sessions', { kind: 'command', name: 'sessions' }],
    ['/new', { kind: 'command', name: 'new' }],
    ['/BUDGET', { kind: 'command', name: 'budget' }],
    [' /stop ', { kind: 'command', name: 'stop' }],
    ['/help', { kind: 'command', name: 'help' }],
    ['/switch 2', { kind: 'command', name: 'switch', index: 2 }],
    ['/Switch #3', { kind: 'command', name: 'switch', index: 3 }],
  ])('%j is a command', (text, expected) => {
    expect(parseSignalReply(text)).toEqual(expected);
  });

  it.each([
    ['/switch', 'switch'],
    ['/switch 0', 'switch'],
    ['/switch -1', 'switch'],
    ['/switch two', 'switch'],
    ['/switch 1.5', 'switch'],
    ['/switch 1234567890', 'switch'],
    ['/new fix the bug', 'new'],
    ['/stop now', 'stop'],
    ['/approve now', 'approve'],
    ['/deploy', 'deploy'],
    ['/Rm-RF everything', 'rm-rf'],
    [`/${'a'.repeat(500)}`, 'a'.repeat(32)],
  ])('%j is refused as an unknown command, never forwarded', (text, name) => {
    expect(parseSignalReply(text)).toEqual({ kind: 'unknown-command', name });
  });

  it('sends paths and other slashes to the agent', () => {
    expect(parseSignalReply('/etc/hosts: what is in it?')).toEqual({
      kind: 'message',
      text: '/etc/hosts: what is in it?',
    });
    expect(parseSignalReply('/ hello')).toEqual({ kind: 'message', text: '/ hello' });
  });

  it('gives an empty message for empty text, and copes with 100 kB', () => {
    expect(parseSignalReply('')).toEqual({ kind: 'message', text: '' });
    expect(parseSignalReply(' \n\t ')).toEqual({ kind: 'message', text: '' });
    const huge = `approve ${' '.repeat(100_000)}x`;
    const started = performance.now();
    expect(parseSignalReply(huge)).toEqual({ kind: 'message', text: huge });
    expect(parseSignalReply(`/new ${'x'.repeat(100_000)}`)).toEqual({ kind: 'unknown-command', name: 'new' });
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('helpMessage', () => {
  it('lists every command and how to answer, with no style markers', () => {
    const help = helpMessage();
    for (const part of [
      '/sessions',
      '/switch N',
      '/new',
      '/budget',
      '/stop',
      '/help',
      'approve #N',
      'deny #N',
    ]) {
      expect(help).toContain(part);
    }
    expect(help).toMatch(/plain message goes to your current session, or starts a new one/);
    expect(parseStyledLikeSignal(help)).toEqual({ text: help, styles: [], unclosed: 0 });
    // Every command the help names is one the parser knows.
    for (const command of help.match(/^\/[a-z]+/gm) ?? []) {
      expect(parseSignalReply(command === '/switch' ? '/switch 1' : command).kind).toBe('command');
    }
  });
});
