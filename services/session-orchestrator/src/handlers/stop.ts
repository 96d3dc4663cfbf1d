import type { Handler } from '@ironcurtain/bus';
import { SessionStop } from '@ironcurtain/proto-schemas';
import { callerOfRequest, type SessionAccess } from '../domain/session-access.js';
import type { SessionDesk } from '../domain/session-desk.js';

/**
 * `session.stop.v1`: aborts the running turn; sandbox, conversation and trail stay for resume and audit. The owner's
 * or an admin's only.
 */
export function createStopHandler(desk: SessionDesk, access: SessionAccess): Handler<typeof SessionStop> {
  return async (request, context) => {
    await access.check(callerOfRequest(context, SessionStop.subject), SessionStop.subject, request.sessionId);
    const record = await desk.stop(request.sessionId, request.reason ?? 'stopped by the user');
    return { sessionId: record.sessionId, status: record.status };
  };
}
