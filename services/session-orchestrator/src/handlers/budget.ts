import type { Handler } from '@ironcurtain/bus';
import type { SessionBudget } from '@ironcurtain/proto-schemas';
import type { SessionDesk } from '../domain/session-desk.js';

/** `session.budget.v1`: used and limit of every dimension, for the session and its current (or last) turn. */
export function createBudgetHandler(desk: SessionDesk): Handler<typeof SessionBudget> {
  return (request) => {
    const snapshot = desk.budget(request.sessionId);
    return Promise.resolve({
      sessionId: request.sessionId,
      session: snapshot.session,
      turn: snapshot.turn,
      notes: [...snapshot.notes],
      ...(snapshot.workspace === undefined ? {} : { workspace: snapshot.workspace }),
    });
  };
}
