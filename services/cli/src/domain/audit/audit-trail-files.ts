import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  isTornTailFileName,
  summarizeVerification,
  trailFileName,
  verifyAuditTrail,
  type VerificationSummary,
} from '@ironcurtain/audit-trail';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { SessionId } from '@ironcurtain/proto-schemas';

/** A trail to check: what to call it, and where it is. */
export interface TrailTarget {
  label: string;
  path: string;
}

/** What `audit verify` reports for one trail. */
export interface TrailVerdict extends VerificationSummary {
  trail: string;
  path: string;
  setAside: string[];
}

/**
 * The trails `audit verify [SESSION|FILE]` checks: a file given by path; else a session id's
 * `$IRONCURTAIN_HOME/sessions/<id>/audit.jsonl`; with no argument, every session's trail.
 */
export async function resolveTrailTargets(argument: string | undefined, home: string, cwd: string) {
  if (argument === undefined) return allSessionTrails(home);
  const asFile = resolve(cwd, argument);
  if (await isFile(asFile)) return [{ label: argument, path: asFile }];
  const sessionTrail = join(home, 'sessions', argument, trailFileName);
  if (SessionId.safeParse(argument).success && (await isFile(sessionTrail))) {
    return [{ label: argument, path: sessionTrail }];
  }
  throw new AppError(
    ErrorCode.NotFound,
    `no audit trail ${JSON.stringify(argument)}: it is not a file, and ${sessionTrail} does not exist ` +
      '(check the session id and IRONCURTAIN_HOME)',
  );
}

/** Checks one trail file, reading it as a stream (trails can be large). */
export async function verifyTrailFile(target: TrailTarget): Promise<TrailVerdict> {
  const verification = await verifyAuditTrail(createReadStream(target.path, { highWaterMark: 256 * 1024 }));
  const names = await readdir(dirname(target.path)).catch(() => [] as string[]);
  return {
    trail: target.label,
    path: target.path,
    ...summarizeVerification(verification),
    setAside: names.filter((name) => isTornTailFileName(name, basename(target.path))).sort(),
  };
}

async function allSessionTrails(home: string): Promise<TrailTarget[]> {
  const sessionsFolder = join(home, 'sessions');
  const names = await readdir(sessionsFolder).catch(() => [] as string[]);
  const targets: TrailTarget[] = [];
  for (const name of names.sort()) {
    const path = join(sessionsFolder, name, trailFileName);
    if (await isFile(path)) targets.push({ label: name, path });
  }
  if (targets.length === 0) {
    throw new AppError(
      ErrorCode.NotFound,
      `no audit trails under ${sessionsFolder} (is IRONCURTAIN_HOME right?)`,
    );
  }
  return targets;
}

function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  );
}
