import { createHash } from 'node:crypto';
import type { NonceStore } from '@ironcurtain/decision-token';
import { AppError } from '@ironcurtain/errors';
import { GatewayErrorCode } from '../gateway-errors.js';

/**
 * A NonceStore shared by every gateway replica: `claimKey` creates the key in a store that remembers it for
 * `ttlMs` and answers false when it already exists (a KV `create`). The key is the nonce's sha256, so any nonce
 * makes a valid key. A decision that outlives the store's memory is refused: it could be replayed once forgotten.
 * Errors of the store propagate, and the caller refuses the call — there is no local fallback.
 */
export function createSharedNonceStore(options: {
  claimKey(key: string): Promise<boolean>;
  ttlMs: number;
  now?: () => number;
}): NonceStore {
  const now = options.now ?? Date.now;
  return {
    async claim(nonce, expiresAtMs) {
      if (expiresAtMs - now() > options.ttlMs) {
        throw new AppError(
          GatewayErrorCode.DecisionRefused,
          `the decision lives longer than used nonces are remembered (MCPGW_NONCE_TTL_MS=${options.ttlMs}); ` +
            "raise MCPGW_NONCE_TTL_MS above the PDP's PDP_DECISION_TTL_MS",
        );
      }
      return options.claimKey(createHash('sha256').update(nonce).digest('hex'));
    },
  };
}
