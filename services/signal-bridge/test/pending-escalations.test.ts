// Which waiting call an answer from the phone goes to: never a guess.
import { describe, expect, it } from 'vitest';
import { nextLabel, targetOfAnswer, type PendingEscalation } from '../src/domain/pending-escalations.js';
import { parseStyledLikeSignal } from './styled-text-oracle.js';

function pendingItem(label: number, overrides: Partial<PendingEscalation> = {}): PendingEscalation {
  return {
    label,
    ticketId: `esc_${String(label).padStart(16, '0')}`,
    sessionId: 'session-1',
    toolName: label === 1 ? 'git.git_push' : 'filesystem.write_file',
    expiresAt: `2026-08-17T14:0${label}:00.000Z`,
    ...overrides,
  };
}

describe('targetOfAnswer', () => {
  it('refuses when nothing is waiting, with or without a label', () => {
    expect(targetOfAnswer([], undefined)).toEqual({ refusal: 'Nothing is waiting for an answer.' });
    expect(targetOfAnswer([], 2)).toEqual({ refusal: 'Nothing is waiting for an answer.' });
  });

  it('takes the only waiting call when no label is given', () => {
    expect(targetOfAnswer([pendingItem(3)], undefined)).toEqual({
      ticketId: pendingItem(3).ticketId,
      label: 3,
    });
  });

  it('asks back, listing the calls in label order, when several wait and no label is given', () => {
    const target = targetOfAnswer([pendingItem(2), pendingItem(1)], undefined);
    expect(target).toEqual({
      question: [
        '2 calls are waiting for an answer:',
        '#1 git.git_push (expires 14:01 UTC)',
        '#2 filesystem.write_file (expires 14:02 UTC)',
        'Which one? Answer "approve #N" or "deny #N".',
      ].join('\n'),
    });
  });

  it('names the session in the question when the calls come from several', () => {
    const target = targetOfAnswer([pendingItem(1), pendingItem(2, { sessionId: 'session-2' })], undefined);
    expect('question' in target && target.question).toContain(
      '#2 filesystem.write_file (expires 14:02 UTC, session session-2)',
    );
  });

  it('takes the labelled call, and refuses a label that names nothing, listing the labels there are', () => {
    const pending = [pendingItem(1), pendingItem(2)];
    expect(targetOfAnswer(pending, 2)).toEqual({ ticketId: pendingItem(2).ticketId, label: 2 });
    expect(targetOfAnswer(pending, 5)).toEqual({
      refusal: 'There is no #5 waiting. Waiting: #1, #2. Answer "approve #N" or "deny #N".',
    });
    expect(targetOfAnswer(pending, 0)).toEqual({
      refusal: 'There is no #0 waiting. Waiting: #1, #2. Answer "approve #N" or "deny #N".',
    });
  });

  it('shows hostile tool names inert and marker-free, and bounds a long list', () => {
    const pending = Array.from({ length: 30 }, (_, index) =>
      pendingItem(index + 1, { toolName: `x\u202E**bold**${'y'.repeat(300)}`, expiresAt: 'garbage' }),
    );
    const target = targetOfAnswer(pending, undefined);
    const question = 'question' in target ? target.question : '';
    expect(question).not.toMatch(/[\u202e*]/);
    expect(question).toContain('x\\u202e\\x2a\\x2abold\\x2a\\x2ayyy');
    expect(question).toContain('… (');
    expect(question).toContain('expires at an unknown time');
    expect(question).toContain('… and 10 more');
    expect(question.length).toBeLessThan(6000);
    expect(parseStyledLikeSignal(question).text).toBe(question);
  });
});

describe('nextLabel', () => {
  it('is the lowest positive integer not in use', () => {
    expect(nextLabel([])).toBe(1);
    expect(nextLabel([pendingItem(1), pendingItem(2)])).toBe(3);
    expect(nextLabel([pendingItem(2), pendingItem(3)])).toBe(1);
    expect(nextLabel([pendingItem(1), pendingItem(3)])).toBe(2);
  });
});
