import { maskPhoneNumbersIn } from './phone-number.js';

/** The longest error text kept from the API: enough for signal-cli's messages, short enough for a log line. */
export const maximumErrorTextLength = 300;

// C0 and C1 controls, DEL, bidi embeddings/overrides/isolates and marks, zero-width characters and the BOM: none of
// them belongs in an error message, and several can reorder or hide what an operator reads in a terminal.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const invisibleOrControl = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/**
 * Text that came from the API (an `error` field, a close reason) made safe to put in an error message or log line:
 * control and bidi characters become spaces, runs of spaces collapse, phone numbers are masked, and the result is
 * cut to `maximumLength` characters (never inside a surrogate pair).
 */
export function cleanExternalText(text: string, maximumLength = maximumErrorTextLength): string {
  const clean = maskPhoneNumbersIn(text.replace(invisibleOrControl, ' ').replace(/\s+/g, ' ').trim());
  const characters = Array.from(clean);
  if (characters.length <= maximumLength) return clean;
  return `${characters.slice(0, maximumLength - 1).join('')}…`;
}
