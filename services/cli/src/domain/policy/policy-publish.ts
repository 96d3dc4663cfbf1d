import { openKeyValue, putJson } from '@ironcurtain/bus';
import { activePolicyKey, policyBucket } from '@ironcurtain/proto-schemas';
import type { NatsClientSettings } from '../stack/stack-services.js';
import { connectCliBus } from '../cli-bus.js';

// The PDP creates the bucket with this history when it starts first; the same here, so whoever comes first makes
// the same bucket.
const policyHistory = 5;

/** Writes `bundle` to KV `policy`/`active`, where every PDP replica picks it up; returns the new revision. */
export async function publishPolicyBundle(settings: NatsClientSettings, bundle: unknown): Promise<number> {
  const bus = await connectCliBus(settings);
  try {
    const kv = await openKeyValue(bus, policyBucket, { history: policyHistory });
    return await putJson(kv, activePolicyKey, bundle);
  } finally {
    await bus.close();
  }
}
