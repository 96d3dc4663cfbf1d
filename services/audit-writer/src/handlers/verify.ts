import type { Handler } from '@ironcurtain/bus';
import type { AuditVerify } from '@ironcurtain/proto-schemas';
import type { SessionTrails } from '../domain/session-trails.js';
import { verifySessionTrail } from '../domain/verify-trail.js';

/** `audit.verify.v1`: checks one session's chain on disk against what this writer has written. */
export function createVerifyHandler(dependencies: {
  home: string;
  trails: SessionTrails;
}): Handler<typeof AuditVerify> {
  return ({ sessionId }) =>
    verifySessionTrail(dependencies.home, sessionId, dependencies.trails.knownHead(sessionId));
}
