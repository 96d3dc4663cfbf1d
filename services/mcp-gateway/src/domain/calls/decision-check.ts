import type { z } from 'zod';
import {
  createDecisionVerifier,
  createMemoryNonceStore,
  type ExpectedCall,
} from '@ironcurtain/decision-token';
import type { SignedDecision } from '@ironcurtain/proto-schemas';
import type { TrustedSigners } from './trusted-signers.js';

/** The verdict on a decision: valid, or refused with a reason id and a message. */
export type DecisionVerdict =
  | {
      isValid: true;
      /** The PDP signed it after its record was on disk; else the call waits for the writer to say so. */
      isRecorded: boolean;
    }
  | { isValid: false; reason: string; message: string };

/**
 * Verifies signed decisions with `@ironcurtain/decision-token` against the currently trusted PDP keys. Only decisions
 * addressed to `instanceId` (this process) pass, so no other process accepts them, and their nonces are claimed in
 * this process's memory, kept until each decision expires. Never throws: no trusted key is a refusal like any other.
 */
export function createDecisionCheck(options: {
  signers: { current(): Promise<TrustedSigners> };
  instanceId: string;
  clockSkewMs?: number;
}) {
  // One store for the life of the process: a change of trusted keys makes a new verifier, never a fresh memory.
  const nonceStore = createMemoryNonceStore();
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
          nonceStore,
          expectedAudience: options.instanceId,
          ...(options.clockSkewMs === undefined ? {} : { clockSkewMs: options.clockSkewMs }),
        }),
      };
    }
    const verification = await cached.verify(decision, expected);
    return verification.isValid
      ? { isValid: true, isRecorded: verification.claims.isRecorded }
      : verification;
  };
}
