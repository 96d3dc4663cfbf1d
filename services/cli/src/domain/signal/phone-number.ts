import type { AnswerCheck } from '../config/prompt-port.js';

// What both config.json's schema (+ and 7 to 15 digits) and the Signal client (no leading 0) accept.
const e164 = /^\+[1-9]\d{6,14}$/;

/**
 * A number as a person types it (`+1 555 123-4567`, `+1 (555) 1234567`) in the one form Signal and config.json take
 * (`+15551234567`): spaces, dashes, dots and parentheses go; anything else stays, so the check refuses it.
 */
export function normalizePhoneNumber(typed: string): string {
  return typed.trim().replace(/[\s().-]/g, '');
}

/** True for an E.164 number: + and 7 to 15 digits, the first not 0. */
export function isPhoneNumber(value: string): boolean {
  return e164.test(value);
}

/** Checks a typed number (a prompt's `check`): why it is refused, or undefined. */
export const checkPhoneNumber: AnswerCheck = (answer) =>
  isPhoneNumber(normalizePhoneNumber(answer))
    ? undefined
    : 'an international number: + then the country code and the number, e.g. +15551234567';

/**
 * A phone number as the CLI shows it: only the last 4 digits (`+*******4567`). Numbers are personal data, and what
 * the doctor prints ends up in bug reports. Anything that is not a number is not shown at all.
 */
export function maskPhoneNumber(number: string): string {
  if (!isPhoneNumber(number)) return '(not a phone number)';
  const digits = number.slice(1);
  return `+${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
}

/**
 * `text` (an error message, which may quote a request path) with every phone number in it masked as
 * {@link maskPhoneNumber} shows it, URL-encoded ones (`%2B1555…`) too.
 */
export function maskPhoneNumbersIn(text: string): string {
  return text.replace(/(?:\+|%2B)(\d{7,15})(?!\d)/gi, (_match, digits: string) =>
    maskPhoneNumber(`+${digits}`),
  );
}
