import type { Handler } from '@ironcurtain/bus';
import type { SessionSend } from '@ironcurtain/proto-schemas';
import type { SessionDesk } from '../domain/session-desk.js';

/** `session.send.v1`: a user message, queued behind the turn that may be running. */
export function createSendHandler(desk: SessionDesk): Handler<typeof SessionSend> {
  return (request) => {
    const turn = desk.send(request.sessionId, request.message);
    return Promise.resolve({ isAccepted: true, turn });
  };
}
