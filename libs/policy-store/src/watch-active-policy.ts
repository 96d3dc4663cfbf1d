import { openKeyValue, type Bus } from '@ironcurtain/bus';
import type { Logger } from '@ironcurtain/log';
import { parsePolicyArtifacts, type LoadedPolicy } from '@ironcurtain/policy-engine';
import { activePolicyKey, PolicyBundle, policyBucket } from '@ironcurtain/proto-schemas';

const decoder = new TextDecoder();

/**
 * Watches the active policy in KV and hands each valid one to `onPolicy`, for the current value and every update.
 * A bundle that fails validation is logged and ignored: the previous policy stays active. The current value is
 * applied before this resolves, so a service answers with the right policy from its first call. Returns a stop
 * function.
 */
export async function watchActivePolicy(
  bus: Bus,
  onPolicy: (policy: LoadedPolicy) => void,
  logger: Logger,
): Promise<() => void> {
  const kv = await openKeyValue(bus, policyBucket, { history: 5 });
  let appliedRevision = 0;
  const apply = (value: Uint8Array): void => {
    const policy = parseBundle(value, logger);
    if (policy !== undefined) onPolicy(policy);
  };
  const current = await kv.get(activePolicyKey);
  if (current !== null && current.operation === 'PUT') {
    apply(current.value);
    appliedRevision = current.revision;
  }
  // The watch replays the latest value too; revisions already applied are skipped.
  const watcher = await kv.watch({ key: activePolicyKey });
  void (async () => {
    for await (const entry of watcher) {
      if (entry.revision <= appliedRevision || entry.operation !== 'PUT') continue;
      appliedRevision = entry.revision;
      apply(entry.value);
    }
  })();
  return () => watcher.stop();
}

function parseBundle(value: Uint8Array, logger: Logger): LoadedPolicy | undefined {
  try {
    const bundle = PolicyBundle.parse(JSON.parse(decoder.decode(value)));
    const policy = parsePolicyArtifacts({
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
    return policy;
  } catch (error) {
    logger.error(
      { err: (error as Error).message },
      'ignored an invalid policy bundle; the previous policy stays',
    );
    return undefined;
  }
}
