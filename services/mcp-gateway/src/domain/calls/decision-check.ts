import type { z } from 'zod';
import { createDecisionVerifier, type ExpectedCall, type NonceStore } from '@ironcurtain/decision-token';
import { errorCodeOf } from '@ironcurtain/errors';
import type { SignedDecision } from '@ironcurtain/proto-schemas';
import type { TrustedSigners } from './trusted-signers.js';

/** The verdict on a decision: valid, or refused with a reason id and a message. */
export type DecisionVerdict = { isValid: true } | { isValid: false; reason: string; message: string };

/**
 * Verifies signed decisions with `@ironcurtain/decision-token` against the currently trusted PDP keys and a nonce
 * store. With `expectedAudience` (this process's instance id) only decisions addressed to this process pass, and
 * the store may be this process's memory; without it only unaddressed decisions pass, and the store must be shared
 * by every replica. Never throws: no trusted key, or a nonce store that cannot answer, is a refusal like any other.
 */
export function createDecisionCheck(options: {
  signers: { current(): Promise<TrustedSigners> };
  nonceStore: NonceStore;
  expectedAudience?: string | undefined;
  clockSkewMs?: number;
}) {
  let cached: { keys: string; verify: ReturnType<typeof createDecisionVerifier> } | undefined;
  return async function checkDecision(
    decision: z.output<typeof SignedDecision>,
    expected: ExpectedCall,
  ): Promise<DecisionVerdict> {
    const signers = await options.signers.current();
    if (signers.keys.length === 0) {
      return {
        isValid: false,
        reason: 'no-trusted-key',
        message: `no PDP key is trusted: set MCPGW_TRUSTED_PDP_KEYS, or start the PDP, which writes ${signers.source}`,
      };
    }
    const keys = signers.keys.join(',');
    if (cached?.keys !== keys) {
      cached = {
        keys,
        verify: createDecisionVerifier({
          trustedSigners: signers.keys,
          nonceStore: options.nonceStore,
          expectedAudience: options.expectedAudience,
          ...(options.clockSkewMs === undefined ? {} : { clockSkewMs: options.clockSkewMs }),
        }),
      };
    }
    try {
      const verification = await cached.verify(decision, expected);
      return verification.isValid ? { isValid: true } : verification;
    } catch (error) {
      const code = errorCodeOf(error);
      const message =
        code === 'DECISION_REFUSED'
          ? (error as Error).message
          : `used decisions cannot be checked (${code ?? 'error'}: the nonce store is unavailable)`;
      return { isValid: false, reason: 'nonce-store', message };
    }
  };
}
