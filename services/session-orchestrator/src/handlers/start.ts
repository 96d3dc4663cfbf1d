import type { Handler } from '@ironcurtain/bus';
import { SessionStart } from '@ironcurtain/proto-schemas';
import { callerOfRequest, type SessionAccess } from '../domain/session-access.js';
import type { SessionDesk } from '../domain/session-desk.js';

/**
 * `session.start.v1`: a new session, owned by the caller, or a stopped one resumed with its conversation and sandbox
 * (its owner's or an admin's only; it keeps its owner).
 */
export function createStartHandler(desk: SessionDesk, access: SessionAccess): Handler<typeof SessionStart> {
  return async (request, context) => {
    const caller = callerOfRequest(context, SessionStart.subject);
    if (request.resumeSessionId !== undefined)
      await access.check(caller, SessionStart.subject, request.resumeSessionId);
    const record = await desk.start({ ...request, owner: caller.name });
    context.logger.info(
      {
        sessionId: record.sessionId,
        model: record.model,
        agent: record.agent,
        mode: record.mode,
        workspace: record.workspace,
        owner: record.userId,
        isResume: request.resumeSessionId !== undefined,
      },
      'session started',
    );
    return {
      sessionId: record.sessionId,
      status: record.status,
      agent: record.agent,
      ...(record.containerName === undefined ? {} : { containerName: record.containerName }),
      ...(record.workspace === undefined ? {} : { workspace: record.workspace }),
    };
  };
}
