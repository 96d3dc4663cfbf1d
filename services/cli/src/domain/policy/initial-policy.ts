import { getJson, openKeyValue, putJson } from '@ironcurtain/bus';
import { hasErrorCode } from '@ironcurtain/errors';
import { activePolicyKey, PolicyBundle, policyBucket } from '@ironcurtain/proto-schemas';
import { buildPolicyBundle, loadPolicyForActivation } from './policy-bundle.js';
import { defaultPolicyDirectory } from './policy-locations.js';
import type { NatsClientSettings } from '../stack/stack-services.js';
import { connectCliBus } from '../cli-bus.js';

/**
 * Makes sure the stack has an active policy before the PDP answers its first call: when KV `policy/active` is
 * empty, activate the user's compiled policy (`IRONCURTAIN_HOME/generated`) or else the shipped default. An active
 * policy is never replaced here. A policy that fails to load is reported and nothing is activated: the PDP then
 * denies every call (`no-active-policy`) rather than running on something else than the user compiled.
 */
export async function ensureActivePolicy(
  settings: NatsClientSettings,
  home: string,
  report: (line: string) => void,
): Promise<void> {
  const bus = await connectCliBus(settings);
  try {
    const kv = await openKeyValue(bus, policyBucket, { history: 5 });
    const current = await getJson(kv, activePolicyKey, PolicyBundle).catch(() => undefined);
    if (current !== undefined) {
      report(
        `active policy ${current.value.policyHash.slice(0, 12)}… (from ${current.value.source ?? 'KV'})`,
      );
      return;
    }
    const directory = await defaultPolicyDirectory(home);
    let activation;
    try {
      activation = await loadPolicyForActivation(directory);
    } catch (error) {
      report(
        `no policy activated: ${(error as Error).message}. Every tool call will be denied until one is.`,
      );
      return;
    }
    const bundle = buildPolicyBundle(activation, {
      activatedAt: new Date(),
      activatedBy: 'ironcurtain up',
      source: directory,
    });
    await putJson(kv, activePolicyKey, bundle, 0).catch((error: unknown) => {
      if (!hasErrorCode(error, 'CONFLICT')) throw error; // someone activated one meanwhile: theirs stands
    });
    report(`activated policy ${bundle.policyHash.slice(0, 12)}… from ${directory}`);
  } finally {
    await bus.close();
  }
}
