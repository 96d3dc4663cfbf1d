import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { fromPublic, fromSeed } from '@nats-io/nkeys';

// nkeys are standard Ed25519 keys in a base32 envelope. nkeys' own signing runs Ed25519 in JavaScript (~7 ms a
// signature on these machines); node's crypto does the same in ~0.05 ms, so the keys are unwrapped for it.
const pkcs8Ed25519Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
const spkiEd25519Prefix = Buffer.from('302a300506032b6570032100', 'hex');
const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The private key of an nkey seed (`S…`), checked by nkeys first, as a node KeyObject. */
export function privateKeyFromSeed(seed: string): { privateKey: KeyObject; publicNkey: string } {
  const seedBytes = new TextEncoder().encode(seed);
  const publicNkey = fromSeed(seedBytes).getPublicKey();
  // A seed decodes to: two prefix bytes, the 32-byte Ed25519 seed, a two-byte checksum.
  const rawSeed = base32Decode(seed).subarray(2, 34);
  const privateKey = createPrivateKey({
    key: Buffer.concat([pkcs8Ed25519Prefix, rawSeed]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicNkey };
}

/** The public key of a public nkey (`U…`, `N…`, …), checked by nkeys first; throws on a malformed key. */
export function publicKeyFromNkey(publicNkey: string): KeyObject {
  fromPublic(publicNkey);
  // A public nkey decodes to: one prefix byte, the 32-byte Ed25519 key, a two-byte checksum.
  const rawKey = base32Decode(publicNkey).subarray(1, 33);
  return createPublicKey({ key: Buffer.concat([spkiEd25519Prefix, rawKey]), format: 'der', type: 'spki' });
}

function base32Decode(text: string): Buffer {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const character of text) {
    const value = base32Alphabet.indexOf(character);
    if (value < 0) throw new Error('not base32');
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}
