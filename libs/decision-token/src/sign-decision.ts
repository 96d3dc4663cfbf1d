import { randomUUID } from 'node:crypto';
import { fromSeed, type KeyPair } from '@nats-io/nkeys';
import type { z } from 'zod';
import type { SignedDecision } from '@ironcurtain/proto-schemas';
import type { DecisionClaims } from './decision-claims.js';

/** What the signer fills in: everything but the times and the nonce. */
export type DecisionSubject = Omit<DecisionClaims, 'version' | 'issuedAt' | 'expiresAt' | 'nonce'>;

/** Signs decisions with the PDP's Ed25519 nkey. Decisions live `ttlMs` (default 30 s): long enough to execute. */
export interface DecisionSigner {
  readonly publicKey: string;
  sign(subject: DecisionSubject, now?: number): z.output<typeof SignedDecision>;
}

/** A signer from an nkey seed (e.g. `SU…`, from the PDP's key file). */
export function createDecisionSigner(seed: string | KeyPair, ttlMs = 30_000): DecisionSigner {
  const keyPair = typeof seed === 'string' ? fromSeed(new TextEncoder().encode(seed.trim())) : seed;
  const publicKey = keyPair.getPublicKey();
  return {
    publicKey,
    sign(subject, now = Date.now()) {
      const claims: DecisionClaims = {
        version: 1,
        ...subject,
        issuedAt: now,
        expiresAt: now + ttlMs,
        nonce: randomUUID(),
      };
      const payloadBytes = new TextEncoder().encode(JSON.stringify(claims));
      return {
        payload: Buffer.from(payloadBytes).toString('base64url'),
        signature: Buffer.from(keyPair.sign(payloadBytes)).toString('base64url'),
        signer: publicKey,
      };
    },
  };
}
