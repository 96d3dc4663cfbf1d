import type { AuditRecordInputValue } from './record-chain.js';
import {
  isCardNumber,
  maskCardNumber,
  mayHoldSecret,
  redactedMarker,
  redactionRules,
} from './redaction-rules.js';

/** Replaces every secret and personal number in `text` that a rule recognises; other text is left as it was. */
export function redactText(text: string): string {
  if (!mayHoldSecret.test(text)) return text;
  let result = text;
  for (const rule of redactionRules) {
    result = result.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
      // replace() passes the groups, then the offset, the whole string and (with named groups) an object.
      const groups = rest.slice(0, -2) as (string | undefined)[];
      return rule.replace(match, groups) ?? match;
    });
  }
  return result;
}

const authorizationKey = /^(proxy-)?authorization$/i;
const credentialValue = /^((?:Bearer|Basic)\s+)\S+/i;

/**
 * A JSON value with {@link redactText} applied to every string: a copy where anything changed, the input itself
 * when nothing did (the input is never modified). A header-like key named `Authorization` keeps only its scheme
 * (`Bearer [REDACTED]`, `Basic [REDACTED]`), and a bare number that is a payment card number becomes its masked text.
 * Keys are kept as they are.
 */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'number') return redactNumber(value);
  if (Array.isArray(value)) {
    const items = value.map((item) => redactValue(item));
    return items.some((item, index) => item !== value[index]) ? items : value;
  }
  if (value === null || typeof value !== 'object') return value;
  // Copied only when something in it changed: most records hold no secret.
  let result: Record<string, unknown> | undefined;
  for (const [key, entry] of Object.entries(value)) {
    const redacted =
      typeof entry === 'string' && authorizationKey.test(key)
        ? redactText(entry).replace(credentialValue, `$1${redactedMarker}`)
        : redactValue(entry);
    if (redacted !== entry) result ??= { ...(value as Record<string, unknown>) };
    if (result !== undefined) result[key] = redacted;
  }
  return result ?? value;
}

function redactNumber(value: number): number | string {
  if (!Number.isSafeInteger(value) || value < 0) return value;
  const digits = String(value);
  return isCardNumber(digits) ? maskCardNumber(digits) : value;
}

/**
 * A record with its free text redacted: the arguments, the result (its error) and the policy's reason, which may
 * quote an argument. Identifiers (session, request, server, tool, rule, hashes) are not free text and stay.
 */
export function redactRecordInput<T extends AuditRecordInputValue>(input: T): T {
  const policyDecision = { ...input.policyDecision, reason: redactText(input.policyDecision.reason) };
  if (input.kind === 'decision') {
    return { ...input, policyDecision, arguments: redactValue(input.arguments) as Record<string, unknown> };
  }
  if (input.kind === 'verifier') {
    const refusal = { ...input.refusal, message: redactText(input.refusal.message) };
    return {
      ...input,
      policyDecision,
      refusal,
      arguments: redactValue(input.arguments) as Record<string, unknown>,
    };
  }
  return { ...input, policyDecision, result: redactValue(input.result) as typeof input.result };
}
