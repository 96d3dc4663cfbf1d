import { subscribe, type Bus } from '@ironcurtain/bus';
import { SessionStatusEvent } from '@ironcurtain/proto-schemas';

const finished = new Set(['completed', 'failed', 'stopped']);

/**
 * `session.evt.status.v1`: a session that completed, failed or was stopped has its servers stopped. Every replica
 * gets the event (no queue group), since each runs its own instances. Returns the unsubscribe function.
 */
export function subscribeToSessionEnds(
  bus: Bus,
  stopSession: (sessionId: string, reason: string) => Promise<void>,
): () => void {
  const subscription = subscribe(bus, SessionStatusEvent, async (event) => {
    if (finished.has(event.status)) await stopSession(event.sessionId, `session ${event.status}`);
  });
  return () => subscription.unsubscribe();
}
