import { z } from 'zod';
import { Timestamp } from './common.js';

/** The KV bucket that holds the active policy; every PDP replica watches it. */
export const policyBucket = 'policy';
/** The key of the active bundle in {@link policyBucket}. */
export const activePolicyKey = 'active';

/**
 * A policy as distributed through KV: the artifacts of a policy directory as JSON, with the content hash the
 * publisher computed. The PDP validates the artifacts itself before it swaps them in; a bundle that fails is ignored
 * and the previous policy stays active.
 */
export const PolicyBundle = z.object({
  version: z.literal(1),
  policyHash: z.string().regex(/^[0-9a-f]{64}$/),
  activatedAt: Timestamp,
  activatedBy: z.string().optional(),
  source: z.string().optional(),
  compiledPolicy: z.unknown(),
  toolAnnotations: z.unknown(),
  dynamicLists: z.unknown().optional(),
});
