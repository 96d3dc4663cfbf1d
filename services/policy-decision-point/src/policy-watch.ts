import { openKeyValue, type Bus } from '@ironcurtain/bus';
import type { Logger } from '@ironcurtain/log';
import { activePolicyKey, PolicyBundle, policyBucket } from '@ironcurtain/proto-schemas';
import type { PolicyHolder } from './domain/policy-holder.js';

const decoder = new TextDecoder();

/**
 * Watches the active policy in KV and swaps it into the holder, for the current value and every update. A bundle that
 * fails validation is logged and ignored: the previous policy stays active. The current value is applied before this
 * resolves, so the service answers with the right policy from its first call.
 */
export async function watchActivePolicy(bus: Bus, holder: PolicyHolder, logger: Logger): Promise<() => void> {
  const kv = await openKeyValue(bus, policyBucket, { history: 5 });
  let appliedRevision = 0;
  const current = await kv.get(activePolicyKey);
  if (current !== null && current.operation === 'PUT') {
    apply(current.value, holder, logger);
    appliedRevision = current.revision;
  }
  // The watch replays the latest value too; revisions already applied are skipped.
  const watcher = await kv.watch({ key: activePolicyKey });
  void (async () => {
    for await (const entry of watcher) {
      if (entry.revision <= appliedRevision || entry.operation !== 'PUT') continue;
      appliedRevision = entry.revision;
      apply(entry.value, holder, logger);
    }
  })();
  return () => watcher.stop();
}

function apply(value: Uint8Array, holder: PolicyHolder, logger: Logger): void {
  try {
    const bundle = PolicyBundle.parse(JSON.parse(decoder.decode(value)));
    const policy = holder.activate({
      compiledPolicy: bundle.compiledPolicy,
      toolAnnotations: bundle.toolAnnotations,
      dynamicLists: bundle.dynamicLists,
    });
    if (policy.policyHash !== bundle.policyHash) {
      logger.warn(
        { published: bundle.policyHash, computed: policy.policyHash },
        'policy hash differs from the bundle',
      );
    }
    logger.info(
      { policyHash: policy.policyHash, rules: policy.compiledPolicy.rules.length },
      'policy activated',
    );
  } catch (error) {
    logger.error(
      { err: (error as Error).message },
      'ignored an invalid policy bundle; the previous policy stays',
    );
  }
}
