import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hasErrorCode, ErrorCode } from '@ironcurtain/errors';
import { resolveCliNats } from '../cli-nats.js';
import { loadLocalPolicy } from '../policy/local-decision.js';
import { buildPolicyBundle, loadPolicyForActivation } from '../policy/policy-bundle.js';
import { publishPolicyBundle } from '../policy/policy-publish.js';
import { replayAuditTrail, type ReplayReport } from '../policy/policy-replay.js';

/** What activation did: published (with the KV revision), or why not. */
export type ActivationOutcome =
  | { activated: true; policyHash: string; revision: number }
  | { activated: false; policyHash: string; why: string };

/**
 * Publishes the freshly written policy to KV `policy/active` when a stack is reachable (NATS_URL, or the local
 * stack). Without one the policy stays in the folder, which `ironcurtain up` activates when it starts.
 */
export async function activateCompiledPolicy(
  env: Record<string, string | undefined>,
  home: string,
  policyDir: string,
  activatedBy: string,
): Promise<ActivationOutcome> {
  const activation = await loadPolicyForActivation(policyDir);
  const policyHash = activation.policy.policyHash;
  let settings;
  try {
    settings = await resolveCliNats(env, home);
  } catch (error) {
    if (!hasErrorCode(error, ErrorCode.Unavailable)) throw error;
    return {
      activated: false,
      policyHash,
      why: `${(error as Error).message}; \`ironcurtain up\` activates it at start`,
    };
  }
  const bundle = buildPolicyBundle(activation, { activatedAt: new Date(), activatedBy, source: policyDir });
  return { activated: true, policyHash, revision: await publishPolicyBundle(settings, bundle) };
}

/** One audit trail re-decided under the new policy. */
export interface TrailReplay {
  auditFile: string;
  report: ReplayReport;
}

/**
 * Replays every session's audit trail under `IRONCURTAIN_HOME` with the new policy: what it would have decided
 * differently. No trails, no replays.
 */
export async function replayPastAudits(
  options: { home: string; policyDir: string; mcpConfigPath: string; homeDir: string; cwd: string },
  limit = 5,
): Promise<TrailReplay[]> {
  const sessionsDir = join(options.home, 'sessions');
  let sessions: string[];
  try {
    sessions = (await readdir(sessionsDir)).sort();
  } catch {
    return [];
  }
  const local = await loadLocalPolicy({
    home: options.home,
    policyDir: options.policyDir,
    mcpConfigPath: options.mcpConfigPath,
    homeDir: options.homeDir,
    cwd: options.cwd,
  });
  const replays: TrailReplay[] = [];
  for (const session of sessions) {
    const auditFile = join(sessionsDir, session, 'audit.jsonl');
    let file;
    try {
      file = await open(auditFile, 'r');
    } catch {
      continue;
    }
    try {
      replays.push({
        auditFile,
        report: await replayAuditTrail(file.readLines(), local, { home: options.home, limit }),
      });
    } finally {
      await file.close();
    }
  }
  return replays;
}

/** One line per trail: decisions re-decided, how many change, and the transitions. */
export function formatReplaySummary(replays: readonly TrailReplay[]): string {
  if (replays.length === 0) return 'policy replay: no past audit trails to compare against\n';
  const lines = replays.map(({ auditFile, report }) => {
    const transitions = report.transitions
      .map((entry) => `${entry.from} → ${entry.to}: ${entry.count}`)
      .join(', ');
    return (
      `policy replay ${auditFile}: ${report.decisions} decisions, ${report.changed} would change` +
      (transitions === '' ? '' : ` (${transitions})`)
    );
  });
  return `${lines.join('\n')}\n`;
}
