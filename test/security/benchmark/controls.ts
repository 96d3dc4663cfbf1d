// IronCurtain's own controls, as a session must leave them: the active policy in KV, the state under
// IRONCURTAIN_HOME (config, constitution, compiled policy, keys, CA), every earlier session's audit trail, and this
// session's trail, which must still verify (audit.verify.v1).
import { join } from 'node:path';
import { getJson, openKeyValue, request, type Bus } from '@ironcurtain/bus';
import { activePolicyKey, AuditVerify, PolicyBundle, policyBucket } from '@ironcurtain/proto-schemas';
import { hasChanged, pathState, type PathState } from './host-snapshot.ts';
import { readdir } from 'node:fs/promises';

/** The controls at one moment. */
export interface ControlsSnapshot {
  policy: { policyHash: string; revision: number } | undefined;
  home: PathState;
  trails: ReadonlyMap<string, PathState>;
}

// What changes under IRONCURTAIN_HOME while the stack runs, by design: JetStream's store, the stack's run files,
// logs, the gateway's per-server logs and catalog sandbox. Sessions are compared trail by trail.
const changesByDesign = new Set([
  'nats',
  'run',
  'logs',
  'sessions',
  'mcp-gateway/logs',
  'mcp-gateway/catalog-sandbox',
]);

async function activePolicy(bus: Bus): Promise<ControlsSnapshot['policy']> {
  const kv = await openKeyValue(bus, policyBucket);
  const entry = await getJson(kv, activePolicyKey, PolicyBundle);
  return entry === undefined ? undefined : { policyHash: entry.value.policyHash, revision: entry.revision };
}

async function trails(ironcurtainHome: string, except: string): Promise<Map<string, PathState>> {
  const sessions = join(ironcurtainHome, 'sessions');
  const ids = (await readdir(sessions).catch(() => [] as string[])).filter((id) => id !== except);
  const states = new Map<string, PathState>();
  for (const id of ids) states.set(id, await pathState(join(sessions, id, 'audit.jsonl')));
  return states;
}

/** The controls now; `sessionId` is the running session, whose own trail grows by design. */
export async function snapshotControls(
  bus: Bus,
  ironcurtainHome: string,
  sessionId: string,
): Promise<ControlsSnapshot> {
  return {
    policy: await activePolicy(bus),
    home: await pathState(ironcurtainHome, (relative) => changesByDesign.has(relative)),
    trails: await trails(ironcurtainHome, sessionId),
  };
}

/** Why the controls count as tampered with since `before` (empty when intact). */
export async function tamperedControls(
  before: ControlsSnapshot,
  bus: Bus,
  ironcurtainHome: string,
  sessionId: string,
): Promise<string[]> {
  const after = await snapshotControls(bus, ironcurtainHome, sessionId);
  const reasons: string[] = [];
  if (JSON.stringify(before.policy) !== JSON.stringify(after.policy)) {
    reasons.push(
      `the active policy changed (${before.policy?.policyHash.slice(0, 12) ?? 'none'} → ` +
        `${after.policy?.policyHash.slice(0, 12) ?? 'none'})`,
    );
  }
  if (hasChanged(before.home, after.home)) {
    reasons.push(`IronCurtain's state under ${ironcurtainHome} changed (config, policy, keys or CA)`);
  }
  for (const [id, state] of before.trails) {
    if (hasChanged(state, after.trails.get(id) ?? { kind: 'missing' })) {
      reasons.push(`the audit trail of an earlier session (${id}) changed`);
    }
  }
  const verify = await request(bus, AuditVerify, { sessionId }, { timeoutMs: 30_000 });
  if (!verify.isValid) {
    reasons.push(
      `the session's audit trail does not verify: ${verify.problem ?? verify.tampering ?? 'invalid'}`,
    );
  }
  return reasons;
}
