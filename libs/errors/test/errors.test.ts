import { describe, expect, it } from 'vitest';
import {
  AppError,
  ErrorCode,
  errorCodeOf,
  fromWireError,
  hasErrorCode,
  toWireError,
} from '@ironcurtain/errors';

describe('AppError', () => {
  it('keeps code, message, cause and retryable', () => {
    const cause = new Error('disk full');
    const error = new AppError(ErrorCode.Unavailable, 'audit store unavailable', { cause, retryable: true });
    expect(error).toMatchObject({
      code: 'UNAVAILABLE',
      message: 'audit store unavailable',
      retryable: true,
      cause,
    });
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
    expect(hasErrorCode(error, 'INTERNAL')).toBe(false);
  });

  it('reads codes from error-like values across package copies', () => {
    expect(errorCodeOf({ code: 'CONFLICT' })).toBe('CONFLICT');
    expect(errorCodeOf(new Error('x'))).toBeUndefined();
    expect(errorCodeOf(null)).toBeUndefined();
    expect(errorCodeOf({ code: 7 })).toBeUndefined();
  });
});

describe('wire errors', () => {
  it('keeps an AppError whole', () => {
    const wire = toWireError(new AppError('POLICY_DENIED', 'no rule allows it', { retryable: false }));
    expect(wire).toEqual({ code: 'POLICY_DENIED', message: 'no rule allows it', retryable: false });
    expect(fromWireError(wire)).toMatchObject({ code: 'POLICY_DENIED', message: 'no rule allows it' });
  });

  it('hides everything about an unknown exception', () => {
    const wire = toWireError(new TypeError('cannot read secret_token of undefined at /srv/app.ts:3'));
    expect(wire).toEqual({ code: 'INTERNAL', message: 'internal error', retryable: false });
    expect(toWireError('a string thrown')).toEqual({
      code: 'INTERNAL',
      message: 'internal error',
      retryable: false,
    });
  });
});
