import type { Handler } from '@ironcurtain/bus';
import type { SessionList } from '@ironcurtain/proto-schemas';
import type { SessionDesk } from '../domain/session-desk.js';

/** `session.list.v1`: every known session (hosted here or resumable), newest first. */
export function createListHandler(desk: SessionDesk): Handler<typeof SessionList> {
  return async (request) => {
    const records = await desk.list(request.userId);
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
