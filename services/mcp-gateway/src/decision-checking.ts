import { join } from 'node:path';
import { openKeyValue, putJson } from '@ironcurtain/bus';
import { createMemoryNonceStore } from '@ironcurtain/decision-token';
import { ErrorCode, hasErrorCode } from '@ironcurtain/errors';
import type { Wiring } from './service.js';
import { createDecisionCheck } from './domain/calls/decision-check.js';
import { createSharedNonceStore } from './domain/calls/shared-nonce-store.js';
import { createTrustedSigners } from './domain/calls/trusted-signers.js';

/**
 * Decision verification against the trusted PDP keys. A decision addressed to this instance is accepted by no other
 * process, so its nonce is claimed in this process's memory; an unaddressed one (from a PDP that predates
 * addressing) may reach any replica, so its nonce is claimed in the bucket every replica shares (a KV `create`).
 */
export async function createDecisionChecking({ bus, config, home }: Wiring, instanceId: string) {
  const nonces = await openKeyValue(bus, config.MCPGW_NONCE_BUCKET, { ttl: config.MCPGW_NONCE_TTL_MS });
  const signers = createTrustedSigners({
    configured: config.MCPGW_TRUSTED_PDP_KEYS,
    keyFile: join(home, 'keys', 'pdp.pub'),
  });
  const addressed = createDecisionCheck({
    signers,
    nonceStore: createMemoryNonceStore(),
    expectedAudience: instanceId,
  });
  const unaddressed = createDecisionCheck({
    signers,
    nonceStore: createSharedNonceStore({
      ttlMs: config.MCPGW_NONCE_TTL_MS,
      claimKey: async (key) => {
        try {
          await putJson(nonces, key, { claimedAt: Date.now() }, 0);
          return true;
        } catch (error) {
          if (hasErrorCode(error, ErrorCode.Conflict)) return false;
          throw error;
        }
      },
    }),
  });
  return { addressed, unaddressed };
}
