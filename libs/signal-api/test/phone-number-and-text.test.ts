import { describe, expect, it } from 'vitest';
import { cleanExternalText, isE164PhoneNumber, maskPhoneNumber, reconnectDelayMs } from '../src/index.js';

describe('isE164PhoneNumber', () => {
  it('accepts + and 6 to 15 digits, the first not 0', () => {
    for (const number of ['+4915112345678', '+123456', '+123456789012345'])
      expect(isE164PhoneNumber(number)).toBe(true);
  });

  it('refuses everything else', () => {
    const refused = [
      '4915112345678',
      '+12345',
      '+1234567890123456',
      '+0151123456',
      '+49 151 1234567',
      '+49151/../x',
      '+4915112345678\n',
      '',
      undefined,
      4915112345678,
    ];
    for (const value of refused) expect(isE164PhoneNumber(value)).toBe(false);
  });
});

describe('maskPhoneNumber', () => {
  it('keeps the country prefix and the last two digits only', () => {
    expect(maskPhoneNumber('+4915112345678')).toBe('+49…78');
  });
});

describe('cleanExternalText', () => {
  it('turns control and bidi characters into spaces and collapses them', () => {
    expect(cleanExternalText('a\u0000b\u001b[2Jc\u202ed\u2066e\u200bf\u0085g\r\nh')).toBe(
      'a b [2Jc d e f g h',
    );
  });

  it('masks phone numbers', () => {
    expect(cleanExternalText('User +4915112345678 is not registered')).toBe('User +49…78 is not registered');
  });

  it('cuts long text with an ellipsis and never inside a surrogate pair', () => {
    const text = '😀'.repeat(500);
    const cut = cleanExternalText(text, 10);
    expect(Array.from(cut)).toHaveLength(10);
    expect(cut.endsWith('😀…')).toBe(true);
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('reconnectDelayMs', () => {
  const limits = { minimumMs: 100, maximumMs: 1_000 };

  it('starts at the minimum and doubles per attempt up to the maximum', () => {
    const highest = (attempt: number) => reconnectDelayMs(limits, attempt, 0.999_999);
    expect(highest(0)).toBe(100);
    expect(highest(1)).toBeCloseTo(200, 2);
    expect(highest(3)).toBeCloseTo(800, 2);
    expect(highest(10)).toBeCloseTo(1_000, 2);
    expect(highest(1_000)).toBeCloseTo(1_000, 2);
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const delay = reconnectDelayMs(limits, attempt);
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(1_000);
    }
  });

  it('jitters between half the step and the step, never below the minimum', () => {
    expect(reconnectDelayMs(limits, 3, 0)).toBe(400);
    expect(reconnectDelayMs(limits, 3, 0.5)).toBe(600);
    expect(reconnectDelayMs(limits, 0, 0)).toBe(100);
  });
});
