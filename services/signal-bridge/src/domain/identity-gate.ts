// Whose message is obeyed: the one pinned person, by number and by identity key. Everything else fails closed: no
// pinned person, an identity check that cannot be made, a changed or untrusted identity. Reasons never hold the
// phone number (they are logged).
import { createHash, timingSafeEqual } from 'node:crypto';

/** The person the bridge obeys, as `ironcurtain setup-signal` pinned them (config.json `signal`). */
export interface PinnedPerson {
  number: string;
  identityKey: string;
}

/** What to do with one envelope. */
export type GateVerdict =
  | { verdict: 'obey' }
  | { verdict: 'ignore'; reason: string }
  | { verdict: 'lock'; reason: string }
  | { verdict: 'reject'; reason: string };

const reTrust = 'run ironcurtain setup-signal --re-trust once you have checked the safety number with them';

/**
 * The verdict on one envelope:
 * - no pinned person (or one without a number or key): `reject`, everything, until `ironcurtain setup-signal`;
 * - from another number, or without a number: `ignore`;
 * - from the pinned number with `untrustedIdentity`: `lock` (before anything else is looked at);
 * - from the pinned number but not a data message (receipt, typing, sync): `ignore`;
 * - its current identity key (`lookupIdentityKey` of the pinned number) cannot be had (throws, or none): `reject`;
 * - that key differs from the pinned one: `lock`; equal: `obey`.
 * Numbers are compared without spaces, dashes, dots and brackets; keys without whitespace and `:`, in any case, in
 * constant time.
 */
export async function checkSender(
  envelope: { sourceNumber?: string; kind: string; untrustedIdentity: boolean },
  pinned: PinnedPerson | undefined,
  lookupIdentityKey: (number: string) => Promise<string | undefined>,
): Promise<GateVerdict> {
  const pinnedNumber = normalizedNumber(pinned?.number ?? '');
  const pinnedKey = normalizedKey(pinned?.identityKey ?? '');
  if (pinned === undefined || pinnedNumber === '' || pinnedKey === '') {
    return { verdict: 'reject', reason: 'not set up: run ironcurtain setup-signal' };
  }
  const sender = normalizedNumber(envelope.sourceNumber ?? '');
  if (sender === '') return { verdict: 'ignore', reason: 'the sender has no phone number' };
  if (!isSameText(sender, pinnedNumber)) return { verdict: 'ignore', reason: 'not from the pinned number' };
  if (envelope.untrustedIdentity) {
    return {
      verdict: 'lock',
      reason: `Signal reports an untrusted identity for the pinned number: ${reTrust}`,
    };
  }
  if (envelope.kind !== 'data')
    return { verdict: 'ignore', reason: `not a data message (${kindName(envelope.kind)})` };
  let currentKey: string | undefined;
  try {
    currentKey = await lookupIdentityKey(pinned.number);
  } catch {
    return { verdict: 'reject', reason: 'the identity key of the pinned number could not be looked up' };
  }
  const current = normalizedKey(currentKey ?? '');
  if (current === '')
    return { verdict: 'reject', reason: 'Signal knows no identity key for the pinned number' };
  if (!isSameText(current, pinnedKey)) {
    return { verdict: 'lock', reason: `the identity key of the pinned number changed: ${reTrust}` };
  }
  return { verdict: 'obey' };
}

function normalizedNumber(number: string): string {
  return number.replace(/[\s\-().]/g, '');
}

function normalizedKey(key: string): string {
  return key.replace(/[\s:]/g, '').toLowerCase();
}

/** Equality that takes the same time wherever the texts differ (and whatever their lengths). */
function isSameText(left: string, right: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(left), digest(right)) && left === right;
}

function kindName(kind: string): string {
  return /^[a-z-]{1,16}$/i.test(kind) ? kind : 'other';
}
