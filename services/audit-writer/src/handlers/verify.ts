import { stat } from 'node:fs/promises';
import type { Handler } from '@ironcurtain/bus';
import { AuditVerify } from '@ironcurtain/proto-schemas';
import { callerOfRequest, checkTrailBelongsToCaller } from '../domain/caller-scope.js';
import type { SessionTrails } from '../domain/session-trails.js';
import { trailPathOf } from '../domain/trail-file.js';
import { readTrailRecords } from '../domain/trail-reader.js';
import { verifySessionTrail } from '../domain/verify-trail.js';

/**
 * `audit.verify.v1`: checks one session's chain on disk against what this writer has written. A member may check only
 * a trail of their own (`caller-scope.ts`).
 */
export function createVerifyHandler(dependencies: {
  home: string;
  trails: SessionTrails;
}): Handler<typeof AuditVerify> {
  return async ({ sessionId }, context) => {
    const caller = callerOfRequest(context, AuditVerify.subject);
    const path = trailPathOf(dependencies.home, sessionId);
    await checkTrailBelongsToCaller(caller, sessionId, {
      records: readTrailRecords(path),
      exists: () =>
        stat(path).then(
          () => true,
          () => false,
        ),
    });
    return verifySessionTrail(dependencies.home, sessionId, dependencies.trails.knownHead(sessionId));
  };
}
