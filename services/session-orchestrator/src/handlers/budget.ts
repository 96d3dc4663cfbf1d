import type { Handler } from '@ironcurtain/bus';
import { SessionBudget } from '@ironcurtain/proto-schemas';
import { callerOfRequest, type SessionAccess } from '../domain/session-access.js';
import type { SessionDesk } from '../domain/session-desk.js';

/**
 * `session.budget.v1`: used and limit of every dimension, for the session and its current (or last) turn. The
 * owner's or an admin's only.
 */
export function createBudgetHandler(desk: SessionDesk, access: SessionAccess): Handler<typeof SessionBudget> {
  return async (request, context) => {
    await access.check(
      callerOfRequest(context, SessionBudget.subject),
      SessionBudget.subject,
      request.sessionId,
    );
    const snapshot = desk.budget(request.sessionId);
    return {
      sessionId: request.sessionId,
      session: snapshot.session,
      turn: snapshot.turn,
      notes: [...snapshot.notes],
      ...(snapshot.workspace === undefined ? {} : { workspace: snapshot.workspace }),
    };
  };
}
