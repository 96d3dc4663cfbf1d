import type { Handler } from '@ironcurtain/bus';
import { SessionSend } from '@ironcurtain/proto-schemas';
import { callerOfRequest, type SessionAccess } from '../domain/session-access.js';
import type { SessionDesk } from '../domain/session-desk.js';

/** `session.send.v1`: a user message, queued behind the turn that may be running; the owner's or an admin's only. */
export function createSendHandler(desk: SessionDesk, access: SessionAccess): Handler<typeof SessionSend> {
  return async (request, context) => {
    await access.check(callerOfRequest(context, SessionSend.subject), SessionSend.subject, request.sessionId);
    const turn = desk.send(request.sessionId, request.message);
    return { isAccepted: true, turn };
  };
}
