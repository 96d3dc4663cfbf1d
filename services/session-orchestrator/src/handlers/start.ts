import type { Handler } from '@ironcurtain/bus';
import type { SessionStart } from '@ironcurtain/proto-schemas';
import type { SessionDesk } from '../domain/session-desk.js';

/** `session.start.v1`: a new session, or a stopped one resumed with its conversation and sandbox. */
export function createStartHandler(desk: SessionDesk): Handler<typeof SessionStart> {
  return async (request, context) => {
    const record = await desk.start(request);
    context.logger.info(
      {
        sessionId: record.sessionId,
        model: record.model,
        agent: record.agent,
        mode: record.mode,
        workspace: record.workspace,
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
