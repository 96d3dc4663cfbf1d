import type { Handler } from '@ironcurtain/bus';
import { SessionList } from '@ironcurtain/proto-schemas';
import { callerOfRequest, sessionsVisibleTo } from '../domain/session-access.js';
import type { SessionDesk } from '../domain/session-desk.js';

/**
 * `session.list.v1`: the caller's own sessions (an admin's: every one), hosted here or resumable, newest first. A
 * session started before sessions had owners is listed to admins only.
 */
export function createListHandler(desk: SessionDesk): Handler<typeof SessionList> {
  return async (_request, context) => {
    const caller = callerOfRequest(context, SessionList.subject);
    const records = sessionsVisibleTo(caller, await desk.list());
    return {
      sessions: records.map((record) => ({
        sessionId: record.sessionId,
        status: record.status,
        createdAt: record.createdAt,
        model: record.model,
        ...(record.userId === undefined ? {} : { userId: record.userId }),
        ...(record.workspace === undefined ? {} : { workspace: record.workspace }),
      })),
    };
  };
}
