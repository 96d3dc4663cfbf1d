import type { Handler } from '@ironcurtain/bus';
import type { AuditCallRecords } from '@ironcurtain/proto-schemas';
import type { SessionTrails } from '../domain/session-trails.js';

/**
 * `audit.call-records.v1` (the PDP only): what one session's trail holds of one call id — its decision and outcome
 * records as stored — after every append already taken is on disk. The PDP asks when a call comes again after a
 * failure, so that a call already decided is not decided (and run) again.
 */
export function createCallRecordsHandler(trails: SessionTrails): Handler<typeof AuditCallRecords> {
  return async ({ sessionId, callId }) =>
    (await trails.recordsOfCall(sessionId, callId)) as Awaited<ReturnType<Handler<typeof AuditCallRecords>>>;
}
