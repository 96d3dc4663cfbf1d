import { randomUUID, sign } from 'node:crypto';
import type { KeyPair } from '@nats-io/nkeys';
import type { z } from 'zod';
import type { SignedDecision } from '@ironcurtain/proto-schemas';
import type { DecisionClaims } from './decision-claims.js';
import { privateKeyFromSeed } from './ed25519-keys.js';

/** What the signer fills in: everything but the times and the nonce (`audience` only when the executor is known). */
export type DecisionSubject = Omit<
  DecisionClaims,
  'version' | 'issuedAt' | 'expiresAt' | 'nonce' | 'isRecorded'
> & {
  isRecorded?: boolean;
};

/** Signs decisions with the PDP's Ed25519 nkey. Decisions live `ttlMs` (default 30 s): long enough to execute. */
export interface DecisionSigner {
  readonly publicKey: string;
  sign(subject: DecisionSubject, now?: number): z.output<typeof SignedDecision>;
}

/** A signer from an nkey seed (e.g. `SU…`, from the PDP's key file). */
export function createDecisionSigner(seed: string | KeyPair, ttlMs = 30_000): DecisionSigner {
  const seedText = typeof seed === 'string' ? seed.trim() : new TextDecoder().decode(seed.getSeed());
  const { privateKey, publicNkey: publicKey } = privateKeyFromSeed(seedText);
  return {
    publicKey,
    sign(subject, now = Date.now()) {
      const { audience, isRecorded, ...rest } = subject;
      const claims: DecisionClaims = {
        version: 1,
        ...rest,
        // Absent rather than undefined: an unaddressed decision's payload stays what it always was.
        ...(audience === undefined ? {} : { audience }),
        isRecorded: isRecorded ?? false,
        issuedAt: now,
        expiresAt: now + ttlMs,
        nonce: randomUUID(),
      };
      const payloadBytes = new TextEncoder().encode(JSON.stringify(claims));
      return {
        payload: Buffer.from(payloadBytes).toString('base64url'),
        signature: sign(null, payloadBytes, privateKey).toString('base64url'),
        signer: publicKey,
      };
    },
  };
}
