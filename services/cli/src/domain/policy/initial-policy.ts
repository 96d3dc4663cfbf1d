import { getJson, openKeyValue, putJson } from '@ironcurtain/bus';
import { hasErrorCode } from '@ironcurtain/errors';
import { activePolicyKey, PolicyBundle, policyBucket } from '@ironcurtain/proto-schemas';
import { buildPolicyBundle, loadPolicyForActivation } from './policy-bundle.js';
import { defaultPolicyDirectory } from './policy-locations.js';
import type { NatsClientSettings } from '../stack/stack-services.js';
import { connectCliBus } from '../cli-bus.js';

/** What {@link ensureActivePolicy} found or did. */
export type InitialPolicyOutcome =
  /** A policy was active already (possibly activated by someone else meanwhile); it was left as it is. */
  | { status: 'already-active'; policyHash: string; source: string | undefined }
  /** None was active; this one is now. */
  | { status: 'activated'; policyHash: string; source: string }
  /** None was active and the policy in `source` could not be loaded: still none is active. */
  | { status: 'not-loaded'; source: string; reason: string };

/** Which policy to activate when none is, and who the bundle says activated it. */
export interface InitialPolicyOptions {
  /** The policy folder; default: `IRONCURTAIN_HOME/generated` if it holds a compiled policy, else the shipped one. */
  directory?: string;
  activatedBy?: string;
}

/**
 * Makes sure the stack has an active policy before the PDP answers its first call: when KV `policy/active` is
 * empty, activate the given policy, or the user's compiled policy (`IRONCURTAIN_HOME/generated`), or else the shipped
 * default. An active policy is never replaced here. A policy that fails to load is reported and nothing is
 * activated: the PDP then denies every call (`no-active-policy`) rather than running on something else than the user
 * compiled.
 */
export async function ensureActivePolicy(
  settings: NatsClientSettings,
  home: string,
  report: (line: string) => void,
  options: InitialPolicyOptions = {},
): Promise<InitialPolicyOutcome> {
  const bus = await connectCliBus(settings);
  try {
    const kv = await openKeyValue(bus, policyBucket, { history: 5 });
    const current = await getJson(kv, activePolicyKey, PolicyBundle).catch(() => undefined);
    if (current !== undefined) {
      report(
        `active policy ${current.value.policyHash.slice(0, 12)}… (from ${current.value.source ?? 'KV'})`,
      );
      return { status: 'already-active', policyHash: current.value.policyHash, source: current.value.source };
    }
    const directory = options.directory ?? (await defaultPolicyDirectory(home));
    let activation;
    try {
      activation = await loadPolicyForActivation(directory);
    } catch (error) {
      const reason = (error as Error).message;
      report(`no policy activated: ${reason}. Every tool call will be denied until one is.`);
      return { status: 'not-loaded', source: directory, reason };
    }
    const bundle = buildPolicyBundle(activation, {
      activatedAt: new Date(),
      activatedBy: options.activatedBy ?? 'ironcurtain up',
      source: directory,
    });
    const isWritten = await putJson(kv, activePolicyKey, bundle, 0).then(
      () => true,
      (error: unknown) => {
        if (!hasErrorCode(error, 'CONFLICT')) throw error;
        return false; // someone activated one meanwhile: theirs stands
      },
    );
    if (!isWritten) {
      const theirs = await getJson(kv, activePolicyKey, PolicyBundle);
      const policyHash = theirs?.value.policyHash ?? 'unknown';
      report(`active policy ${policyHash.slice(0, 12)}… (activated meanwhile by someone else; kept)`);
      return { status: 'already-active', policyHash, source: theirs?.value.source };
    }
    report(`activated policy ${bundle.policyHash.slice(0, 12)}… from ${directory}`);
    return { status: 'activated', policyHash: bundle.policyHash, source: directory };
  } finally {
    await bus.close();
  }
}
