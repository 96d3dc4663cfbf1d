import type { Handler } from '@ironcurtain/bus';
import type { SessionStop } from '@ironcurtain/proto-schemas';
import type { SessionDesk } from '../domain/session-desk.js';

/** `session.stop.v1`: aborts the running turn; sandbox, conversation and trail stay for resume and audit. */
export function createStopHandler(desk: SessionDesk): Handler<typeof SessionStop> {
  return async (request) => {
    const record = await desk.stop(request.sessionId, request.reason ?? 'stopped by the user');
    return { sessionId: record.sessionId, status: record.status };
  };
}
