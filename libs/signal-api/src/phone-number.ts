import { AppError } from '@ironcurtain/errors';
import { SignalApiErrorCode } from './signal-api-errors.js';

const e164Pattern = /^\+[1-9][0-9]{5,14}$/;
const e164Anywhere = /\+[0-9]{6,15}/g;

/** True for an E.164 number: `+`, then 6 to 15 digits, the first not 0. */
export function isE164PhoneNumber(value: unknown): value is string {
  return typeof value === 'string' && e164Pattern.test(value);
}

/**
 * A phone number as it may appear in an error or a log line: `+49…67`. Numbers are personal data; an operator can
 * tell two apart without reading either.
 */
export function maskPhoneNumber(number: string): string {
  if (number.length <= 5) return '+…';
  return `${number.slice(0, 3)}…${number.slice(-2)}`;
}

/** Every E.164-looking run in `text` masked with {@link maskPhoneNumber}. */
export function maskPhoneNumbersIn(text: string): string {
  return text.replace(e164Anywhere, (match) => maskPhoneNumber(match));
}

/**
 * Throws `INVALID_ARGUMENT` unless `value` is an E.164 number; `role` names the argument in the message. The value
 * itself is not repeated (it may be a real number with a typo, or hostile text).
 */
export function assertE164PhoneNumber(value: unknown, role: string): string {
  if (isE164PhoneNumber(value)) return value;
  throw new AppError(
    SignalApiErrorCode.InvalidArgument,
    `${role} must be an E.164 phone number: "+" then 6 to 15 digits, no spaces (e.g. +4915112345678)`,
  );
}
