import { isArgumentRole, isResourceRole } from '@ironcurtain/policy-engine';
import type { AuditRecordInputValue, AuditRedactionValue } from './record-chain.js';
import {
  isCardNumber,
  maskCardNumber,
  mayHoldSecret,
  redactionMarker,
  redactionRules,
} from './redaction-rules.js';

/** `text` with every match of a rule replaced, and the names of the rules that replaced something, in rule order. */
export interface RedactedText {
  text: string;
  rules: string[];
}

/** Replaces what the rules recognise in `text` (`[REDACTED:<rule>]`, masked digits) and names the rules that fired. */
export function redactTextWithRules(text: string): RedactedText {
  const rules: string[] = [];
  if (!mayHoldSecret.test(text)) return { text, rules };
  let result = text;
  for (const rule of redactionRules) {
    let hasFired = false;
    result = result.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
      // replace() passes the groups, then the offset, the whole string and (with named groups) an object.
      const groups = rest.slice(0, -2) as (string | undefined)[];
      const replacement = rule.replace(match, groups);
      if (replacement === undefined || replacement === match) return match;
      hasFired = true;
      return replacement;
    });
    if (hasFired) rules.push(rule.name);
  }
  return { text: result, rules };
}

/** Replaces every secret and personal number in `text` that a rule recognises; other text is left as it was. */
export function redactText(text: string): string {
  return redactTextWithRules(text).text;
}

/** Told of each rule that fired on a field (a JSON Pointer), and whether the field was rewritten or kept. */
type RedactionListener = (redaction: AuditRedactionValue) => void;

const authorizationKey = /^(proxy-)?authorization$/i;
const credentialValue = /^((?:Bearer|Basic)\s+)\S+/i;

/**
 * A JSON value with {@link redactText} applied to every string: a copy where anything changed, the input itself
 * when nothing did (the input is never modified). A header-like key named `Authorization` keeps only its scheme
 * (`Bearer [REDACTED:authorization-header]`), and a bare number that is a payment card number becomes its masked
 * text. Keys are kept as they are. `onRedaction` hears of every rule that fired, with the field's JSON Pointer under
 * `pointer`.
 */
export function redactValue(value: unknown, onRedaction?: RedactionListener, pointer = ''): unknown {
  const report = (rules: readonly string[]) => {
    for (const rule of rules) onRedaction?.({ field: pointer, rule, action: 'redacted' });
  };
  if (typeof value === 'string') {
    const redacted = redactTextWithRules(value);
    report(redacted.rules);
    return redacted.text;
  }
  if (typeof value === 'number') {
    const redacted = redactNumber(value);
    if (redacted !== value) report(['credit-card']);
    return redacted;
  }
  if (Array.isArray(value)) {
    const items = value.map((item, index) => redactValue(item, onRedaction, `${pointer}/${index}`));
    return items.some((item, index) => item !== value[index]) ? items : value;
  }
  if (value === null || typeof value !== 'object') return value;
  // Copied only when something in it changed: most records hold no secret.
  let result: Record<string, unknown> | undefined;
  for (const [key, entry] of Object.entries(value)) {
    const redacted =
      typeof entry === 'string' && authorizationKey.test(key)
        ? redactCredential(entry, onRedaction, `${pointer}/${pointerToken(key)}`)
        : redactValue(entry, onRedaction, `${pointer}/${pointerToken(key)}`);
    if (redacted !== entry) result ??= { ...(value as Record<string, unknown>) };
    if (result !== undefined) result[key] = redacted;
  }
  return result ?? value;
}

function redactCredential(value: string, onRedaction: RedactionListener | undefined, pointer: string) {
  const rule = 'authorization-header';
  const redacted = redactTextWithRules(value);
  const text = redacted.text.replace(credentialValue, `$1${redactionMarker(rule)}`);
  const rules =
    text !== redacted.text && !redacted.rules.includes(rule) ? [...redacted.rules, rule] : redacted.rules;
  for (const fired of rules) onRedaction?.({ field: pointer, rule: fired, action: 'redacted' });
  return text;
}

function redactNumber(value: number): number | string {
  if (!Number.isSafeInteger(value) || value < 0) return value;
  const digits = String(value);
  return isCardNumber(digits) ? maskCardNumber(digits) : value;
}

// RFC 6901: `~` and `/` in a key are escaped so the pointer splits back into the same keys.
function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Reports, as `kept`, every rule that would fire somewhere in `value`, and changes nothing: for the value of an
 * argument that names what ran (a path, URL or identifier), which a rewrite would turn into one that never ran.
 */
function flagValue(value: unknown, onRedaction: RedactionListener, pointer: string): void {
  redactValue(value, (redaction) => onRedaction({ ...redaction, action: 'kept' }), pointer);
}

/** True when one of `roles` is a path, URL or identifier role: the argument's value names the resource. */
export function isResourceArgument(roles: readonly string[] | undefined): boolean {
  return roles?.some((role) => isArgumentRole(role) && isResourceRole(role)) ?? false;
}

function redactArguments(
  args: Record<string, unknown>,
  roles: Readonly<Record<string, readonly string[]>> | undefined,
  onRedaction: RedactionListener,
): Record<string, unknown> {
  let result: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(args)) {
    const pointer = `/arguments/${pointerToken(name)}`;
    if (isResourceArgument(roles?.[name])) {
      flagValue(value, onRedaction, pointer);
      continue;
    }
    const redacted = redactValue(value, onRedaction, pointer);
    if (redacted !== value) result ??= { ...args };
    if (result !== undefined) result[name] = redacted;
  }
  return result ?? args;
}

/**
 * A record with its free text redacted: the arguments, the result (its error), the policy's reason (it may quote an
 * argument) and a refusal's message. Identifiers (session, request, server, tool, rule, hashes) are not free text and
 * stay, and so does the value of every argument whose role (`argumentRoles`) is a path, URL or identifier: it names
 * what ran, so a secret-looking part of it is listed as `kept` instead of rewritten. `redactions` lists each field
 * and rule that fired (absent when none did); the producer's `argsHash` was taken before, from the real arguments.
 */
export function redactRecordInput(input: AuditRecordInputValue): AuditRecordInputValue {
  const fired = new Map<string, AuditRedactionValue>();
  const onRedaction: RedactionListener = (redaction) =>
    fired.set(`${redaction.action} ${redaction.rule} ${redaction.field}`, redaction);
  const reason = redactValue(input.policyDecision.reason, onRedaction, '/policyDecision/reason') as string;
  const policyDecision = { ...input.policyDecision, reason };
  let redacted: AuditRecordInputValue;
  if (input.kind === 'decision') {
    const args = redactArguments(input.arguments, input.argumentRoles, onRedaction);
    redacted = { ...input, policyDecision, arguments: args };
  } else if (input.kind === 'verifier') {
    const message = redactValue(input.refusal.message, onRedaction, '/refusal/message') as string;
    const args = redactArguments(input.arguments, input.argumentRoles, onRedaction);
    redacted = { ...input, policyDecision, refusal: { ...input.refusal, message }, arguments: args };
  } else if (input.kind === 'outcome') {
    const result = redactValue(input.result, onRedaction, '/result') as typeof input.result;
    redacted = { ...input, policyDecision, result };
  } else {
    // An access refusal: its only free text is the reason.
    redacted = { ...input, policyDecision };
  }
  // Only this redaction's own list stands: one that came with the input is not the writer's.
  delete redacted.redactions;
  return fired.size === 0 ? redacted : { ...redacted, redactions: [...fired.values()] };
}
