// Only the pinned person, with the pinned identity, is obeyed; everything uncertain fails closed.
import { describe, expect, it } from 'vitest';
import { checkSender, type PinnedPerson } from '../src/domain/identity-gate.js';

const pinned: PinnedPerson = { number: '+4915112345678', identityKey: '05 AB cd 12 34' };
const fromPinned = { sourceNumber: '+4915112345678', kind: 'data', untrustedIdentity: false };

/** A lookup that answers `key` and records the numbers it was asked about. */
function lookupAnswering(key: string | undefined) {
  const asked: string[] = [];
  const lookup = async (number: string) => {
    asked.push(number);
    return key;
  };
  return { lookup, asked };
}

describe('checkSender', () => {
  it('obeys the pinned number with the pinned key, however the key is spaced or cased', async () => {
    for (const key of ['05abcd1234', '05 ab cd 12 34', '05:AB:CD:12:34', ' 05ABCD1234\n']) {
      const { lookup, asked } = lookupAnswering(key);
      expect(await checkSender(fromPinned, pinned, lookup)).toEqual({ verdict: 'obey' });
      expect(asked).toEqual([pinned.number]);
    }
    const spacedNumber = { ...fromPinned, sourceNumber: '+49 151 1234-5678' };
    expect(await checkSender(spacedNumber, pinned, lookupAnswering('05abcd1234').lookup)).toEqual({
      verdict: 'obey',
    });
  });

  it('rejects everything when nobody is pinned, or the pin is incomplete', async () => {
    const { lookup, asked } = lookupAnswering('05abcd1234');
    for (const person of [
      undefined,
      { number: '', identityKey: 'x' },
      { number: '+49151', identityKey: '  ' },
    ]) {
      expect(await checkSender(fromPinned, person, lookup)).toEqual({
        verdict: 'reject',
        reason: 'not set up: run ironcurtain setup-signal',
      });
    }
    expect(asked).toEqual([]);
  });

  it('ignores other numbers and envelopes without a number, without looking anything up', async () => {
    const { lookup, asked } = lookupAnswering('05abcd1234');
    const other = await checkSender({ ...fromPinned, sourceNumber: '+4915112345679' }, pinned, lookup);
    expect(other).toEqual({ verdict: 'ignore', reason: 'not from the pinned number' });
    const prefix = await checkSender({ ...fromPinned, sourceNumber: '+491511234567' }, pinned, lookup);
    expect(prefix.verdict).toBe('ignore');
    const none = await checkSender({ kind: 'data', untrustedIdentity: false }, pinned, lookup);
    expect(none).toEqual({ verdict: 'ignore', reason: 'the sender has no phone number' });
    const otherUntrusted = await checkSender(
      { ...fromPinned, sourceNumber: '+1555', untrustedIdentity: true },
      pinned,
      lookup,
    );
    expect(otherUntrusted.verdict).toBe('ignore');
    expect(asked).toEqual([]);
  });

  it('locks on an untrusted identity of the pinned number, before looking up or reading the kind', async () => {
    const { lookup, asked } = lookupAnswering('05abcd1234');
    for (const kind of ['data', 'receipt']) {
      const verdict = await checkSender({ ...fromPinned, kind, untrustedIdentity: true }, pinned, lookup);
      expect(verdict.verdict).toBe('lock');
      expect(verdict).toHaveProperty(
        'reason',
        expect.stringContaining('ironcurtain setup-signal --re-trust'),
      );
    }
    expect(asked).toEqual([]);
  });

  it('ignores receipts, typing and sync messages of the pinned number', async () => {
    for (const kind of ['receipt', 'typing', 'sync', 'other', 'x\u202E'.repeat(40)]) {
      const verdict = await checkSender(
        { ...fromPinned, kind },
        pinned,
        lookupAnswering('05abcd1234').lookup,
      );
      expect(verdict.verdict).toBe('ignore');
      expect(verdict).toHaveProperty('reason', expect.not.stringContaining('\u202E'));
    }
  });

  it('locks when the current key differs, even by one digit or only by length', async () => {
    for (const key of ['05abcd1235', '05abcd123', '05abcd12345', 'ffffffffff']) {
      const verdict = await checkSender(fromPinned, pinned, lookupAnswering(key).lookup);
      expect(verdict).toEqual({
        verdict: 'lock',
        reason: expect.stringContaining('identity key of the pinned number changed'),
      });
    }
  });

  it('rejects (fails closed) when the key cannot be looked up or is unknown', async () => {
    const throwing = async (): Promise<string | undefined> => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:8080 for +4915112345678');
    };
    const failed = await checkSender(fromPinned, pinned, throwing);
    expect(failed).toEqual({
      verdict: 'reject',
      reason: 'the identity key of the pinned number could not be looked up',
    });
    for (const key of [undefined, '', '   ']) {
      const unknown = await checkSender(fromPinned, pinned, lookupAnswering(key).lookup);
      expect(unknown.verdict).toBe('reject');
    }
  });

  it('never puts the phone number in a reason', async () => {
    const verdicts = await Promise.all([
      checkSender(fromPinned, undefined, lookupAnswering('x').lookup),
      checkSender({ ...fromPinned, sourceNumber: '+4915199999999' }, pinned, lookupAnswering('x').lookup),
      checkSender({ ...fromPinned, untrustedIdentity: true }, pinned, lookupAnswering('x').lookup),
      checkSender(fromPinned, pinned, lookupAnswering('ff').lookup),
      checkSender(fromPinned, pinned, lookupAnswering(undefined).lookup),
    ]);
    for (const verdict of verdicts) expect(JSON.stringify(verdict)).not.toMatch(/\d{6,}/);
  });
});
