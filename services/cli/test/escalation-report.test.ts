import { describe, expect, it } from 'vitest';
import {
  argumentsText,
  durationText,
  formatResolveReply,
} from '../src/domain/escalations/escalation-report.js';

describe('escalation report', () => {
  it('escapes what a terminal would act on and cuts long values', () => {
    const text = argumentsText({
      a: 'x\u001b]0;pwned\u0007',
      b: 'y\u009b31m',
      c: 'r\u202eevil',
      d: 'z'.repeat(500),
    });
    expect(text).not.toMatch(/[\p{Cc}\u202e]/u);
    expect(text).toContain('\\u009b');
    expect(text).toContain('\\u202e');
    expect(text.length).toBeLessThanOrEqual(601);
  });

  it('says who won when an answer came too late', () => {
    expect(
      formatResolveReply(
        { ticketId: 'esc_1', isAccepted: false, status: 'denied', resolvedBy: 'bob' },
        'approved',
      ),
    ).toBe('esc_1 was already denied by bob; your answer was not used\n');
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
