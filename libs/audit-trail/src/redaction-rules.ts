/**
 * One kind of secret or personal data: a global pattern and what a match becomes (undefined keeps it, for matches a
 * check rejects, such as a number that fails Luhn). Every pattern is linear on hostile input (no quantifier whose
 * repetitions can split the same text two ways) and bounded: a match ends where its own shape ends, never at the end
 * of the text.
 */
export interface RedactionRule {
  name: string;
  pattern: RegExp;
  replace(match: string, groups: readonly (string | undefined)[]): string | undefined;
}

/** What stands where a secret was: `[REDACTED:<rule>]`, naming the rule that fired. */
export function redactionMarker(rule: string): string {
  return `[REDACTED:${rule}]`;
}

const keepPrefix =
  (rule: string) =>
  (_match: string, groups: readonly (string | undefined)[]): string =>
    `${groups[0] ?? ''}${redactionMarker(rule)}`;

// `sk-` also starts ordinary kebab-case words (`sk-learn-compatible-wrapper`): real keys are random base62/64, so
// they hold a digit or both cases; words do not.
const looksRandom = (text: string) => /\d/.test(text) || (/[a-z]/.test(text) && /[A-Z]/.test(text));

// A PEM private key: its BEGIN line, optional RFC 1421 headers (encrypted keys), then only base64 lines, up to its
// END line. Lines end in a newline or in its escaped form (`\n` inside JSON or .env text). Without an END line (a key
// cut off) only the base64 lines of at least 40 characters that follow the BEGIN line are taken: text after a
// BEGIN marker that is not key material (prose, code, a commit message) is never swallowed.
const pemSeparator = String.raw`(?:\r?\n|(?:\\r)?\\n)`;
const pemBase64 = '[A-Za-z0-9+/=]';
const pemHeaders = `(?:[A-Za-z][A-Za-z0-9-]{0,40}: ?[A-Za-z0-9,. -]{0,200}${pemSeparator}){1,8}${pemSeparator}`;
const pemWholeBody = `(?:${pemBase64}{1,4096}${pemSeparator}){0,400}${pemBase64}{0,4096}-----END \\1-----`;
const pemCutOffBody = `(?:${pemBase64}{40,4096}(?:${pemSeparator}|$)){1,400}`;
const pemPattern = new RegExp(
  `-----BEGIN ((?:[A-Z0-9]+ ){0,4}PRIVATE KEY)-----(${pemSeparator})?(?:${pemHeaders})?` +
    `(?:${pemWholeBody}|${pemCutOffBody})`,
  'g',
);
const trailingPemSeparator = new RegExp(`${pemSeparator}$`);

function replacePemBlock(match: string, [label, separator]: readonly (string | undefined)[]): string {
  const begin = `-----BEGIN ${label ?? ''}-----${separator ?? ''}${redactionMarker('pem-private-key')}`;
  if (match.endsWith(`-----END ${label ?? ''}-----`))
    return `${begin}${separator ?? ''}-----END ${label ?? ''}-----`;
  return `${begin}${trailingPemSeparator.exec(match)?.[0] ?? ''}`;
}

/** The rules in the order they run: whole blocks first, then tokens, then numbers. */
export const redactionRules: readonly RedactionRule[] = [
  { name: 'pem-private-key', pattern: pemPattern, replace: replacePemBlock },
  {
    name: 'authorization-header',
    pattern: /\b(Authorization\s{0,16}:\s{0,16}(?:Bearer|Basic)\s{1,16})[A-Za-z0-9\-._~+/]{1,8192}={0,8}/gi,
    replace: keepPrefix('authorization-header'),
  },
  {
    name: 'jwt',
    pattern: /\beyJ[A-Za-z0-9_-]{5,8192}\.eyJ[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{0,8192}/g,
    replace: () => redactionMarker('jwt'),
  },
  {
    name: 'anthropic-key',
    pattern: /\b(sk-ant-)([A-Za-z0-9_-]{20,512})/g,
    replace: (_match, [prefix, secret]) =>
      looksRandom(secret ?? '') ? `${prefix ?? ''}${redactionMarker('anthropic-key')}` : undefined,
  },
  {
    name: 'openai-key',
    pattern: /\b(sk-(?:proj-)?)([A-Za-z0-9_-]{20,512})/g,
    replace: (_match, [prefix, secret]) =>
      looksRandom(secret ?? '') ? `${prefix ?? ''}${redactionMarker('openai-key')}` : undefined,
  },
  {
    name: 'github-token',
    pattern: /\b(gh[pousr]_)[A-Za-z0-9]{36,255}/g,
    replace: keepPrefix('github-token'),
  },
  {
    name: 'github-fine-grained-token',
    pattern: /\b(github_pat_)[A-Za-z0-9_]{22,255}/g,
    replace: keepPrefix('github-fine-grained-token'),
  },
  {
    name: 'slack-token',
    pattern: /\b(xox[abposr]-)[A-Za-z0-9-]{10,255}/g,
    replace: keepPrefix('slack-token'),
  },
  {
    name: 'aws-access-key-id',
    pattern: /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g,
    replace: keepPrefix('aws-access-key-id'),
  },
  {
    name: 'google-api-key',
    pattern: /\b(AIza)[0-9A-Za-z_-]{35,128}/g,
    replace: keepPrefix('google-api-key'),
  },
  {
    name: 'stripe-live-key',
    pattern: /\b([sr]k_live_)[0-9A-Za-z]{16,255}/g,
    replace: keepPrefix('stripe-live-key'),
  },
  {
    name: 'credit-card',
    // 13-19 digits, each optionally after one space or dash.
    pattern: /(?<![\d-])\d(?:[ -]?\d){12,18}(?!\d)/g,
    replace: (match) => (isCardNumber(digitsOf(match)) ? maskCardNumber(match) : undefined),
  },
  {
    name: 'us-ssn',
    pattern: /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g,
    replace: (_match, [area, _separator, group, serial]) =>
      isValidSsn(area ?? '', group ?? '', serial ?? '') ? `***-**-${serial ?? ''}` : undefined,
  },
];

/** Cheap first look: text without any of these cannot match a rule, and most text has none. */
export const mayHoldSecret =
  /\d[ -]?\d[ -]?\d|sk-|gh[pousr]_|github_pat_|xox|AKIA|ASIA|AIza|k_live_|eyJ|-----BEGIN|authorization/i;

function digitsOf(text: string): string {
  return text.replace(/[^0-9]/g, '');
}

/**
 * 13-19 digits that pass the Luhn check and start like a payment card (2-6: Mastercard, Amex, Diners, JCB, Visa,
 * Discover, UnionPay, Maestro). The prefix keeps millisecond timestamps (1…), one in ten of which passes Luhn, intact.
 */
export function isCardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19 || !/^[2-6]/.test(digits)) return false;
  return passesLuhn(digits);
}

/** The Luhn (mod 10) checksum of a string of digits. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Keeps the first 4 and last 4 digits and the separators; the digits between become `*`. */
export function maskCardNumber(text: string): string {
  const total = digitsOf(text).length;
  let seen = 0;
  return text.replace(/\d/g, (digit) => {
    seen += 1;
    return seen <= 4 || seen > total - 4 ? digit : '*';
  });
}

/** Area 001-899 but not 666, group 01-99, serial 0001-9999: the numbers the SSA issues. */
export function isValidSsn(area: string, group: string, serial: string): boolean {
  const areaNumber = Number(area);
  return areaNumber >= 1 && areaNumber <= 899 && areaNumber !== 666 && group !== '00' && serial !== '0000';
}
