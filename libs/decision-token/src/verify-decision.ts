import { verify as verifySignature, type KeyObject } from 'node:crypto';
import type { z } from 'zod';
import type { SignedDecision } from '@ironcurtain/proto-schemas';
import { DecisionClaims } from './decision-claims.js';
import { publicKeyFromNkey } from './ed25519-keys.js';
import type { NonceStore } from './nonce-store.js';

/** What the executor expects the decision to be about: the call it is about to run. */
export interface ExpectedCall {
  callId: string;
  sessionId: string;
  serverName: string;
  toolName: string;
  argsHash: string;
}

/** Why a decision was refused; every refusal is audited by the caller. */
export type RefusalReason =
  | 'malformed'
  | 'untrusted-signer'
  | 'bad-signature'
  | 'mismatch'
  | 'wrong-executor'
  | 'not-allow'
  | 'expired'
  | 'replayed';

/** The verdict on a signed decision. */
export type Verification =
  { isValid: true; claims: DecisionClaims } | { isValid: false; reason: RefusalReason; message: string };

/** Options for {@link createDecisionVerifier}. */
export interface VerifierOptions {
  /** Public nkeys of the PDP replicas whose decisions are accepted. */
  trustedSigners: readonly string[];
  /** Where nonces are claimed: shared by every executor that would accept the same decisions. */
  nonceStore: NonceStore;
  /**
   * The executor this verifier runs in. A decision must name exactly this `audience`; when undefined, a decision must
   * name none (an unaddressed decision, whose nonce store must then be shared by every executor). Either way a
   * decision addressed to someone else is refused (`wrong-executor`), so no two nonce stores see the same decision.
   */
  expectedAudience?: string | undefined;
  /** Tolerated clock difference between PDP and gateway (default 2 s). */
  clockSkewMs?: number;
}

/**
 * Checks, in order: shape, trusted signer, Ed25519 signature, that the claims match the call about to run, that it
 * is addressed to this executor (`expectedAudience`), that the decision is `allow`, that it has not expired, and — last, so a bad token cannot burn a nonce — that its nonce was
 * never used before.
 */
export function createDecisionVerifier(options: VerifierOptions) {
  const trusted = new Map<string, KeyObject | undefined>();
  for (const signer of options.trustedSigners) trusted.set(signer, tryPublicKey(signer));
  const skew = options.clockSkewMs ?? 2000;
  return async function verify(
    signed: z.output<typeof SignedDecision>,
    expected: ExpectedCall,
    now: number = Date.now(),
  ): Promise<Verification> {
    if (!trusted.has(signed.signer))
      return refuse('untrusted-signer', 'the decision was not signed by a trusted PDP key');
    const payloadBytes = Buffer.from(signed.payload, 'base64url');
    if (!signatureHolds(trusted.get(signed.signer), payloadBytes, signed.signature)) {
      return refuse('bad-signature', 'the decision signature does not verify');
    }
    const claims = parseClaims(payloadBytes);
    if (claims === undefined) return refuse('malformed', 'the decision payload is not a decision');
    const mismatch = mismatchedField(claims, expected);
    if (mismatch !== undefined)
      return refuse('mismatch', `the decision is for another call (${mismatch} differs)`);
    if (claims.audience !== options.expectedAudience) return refuse('wrong-executor', wrongExecutor(claims));
    if (claims.decision !== 'allow')
      return refuse('not-allow', `the decision is "${claims.decision}", not "allow"`);
    if (claims.expiresAt + skew < now) return refuse('expired', 'the decision has expired');
    if (!(await options.nonceStore.claim(claims.nonce, claims.expiresAt + skew))) {
      return refuse('replayed', 'the decision was already used');
    }
    return { isValid: true, claims };
  };
}

function signatureHolds(publicKey: KeyObject | undefined, payload: Uint8Array, signature: string): boolean {
  if (publicKey === undefined) return false;
  try {
    return verifySignature(null, payload, publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

function tryPublicKey(signer: string): KeyObject | undefined {
  try {
    return publicKeyFromNkey(signer);
  } catch {
    return undefined;
  }
}

function parseClaims(payload: Uint8Array): DecisionClaims | undefined {
  try {
    const parsed = DecisionClaims.safeParse(JSON.parse(new TextDecoder().decode(payload)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function mismatchedField(claims: DecisionClaims, expected: ExpectedCall): string | undefined {
  const fields = ['callId', 'sessionId', 'serverName', 'toolName', 'argsHash'] as const;
  return fields.find((field) => claims[field] !== expected[field]);
}

function wrongExecutor(claims: DecisionClaims): string {
  return claims.audience === undefined
    ? 'the decision names no executor, and this executor only runs decisions addressed to it'
    : `the decision is addressed to executor ${claims.audience}, not this one`;
}

function refuse(reason: RefusalReason, message: string): Verification {
  return { isValid: false, reason, message };
}
