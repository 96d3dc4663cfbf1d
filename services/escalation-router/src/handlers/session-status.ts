import type { PayloadOf, SessionStatusEvent } from '@ironcurtain/proto-schemas';
import type { Logger } from '@ironcurtain/log';
import type { WhitelistStore } from '../store/whitelist-store.js';

const endedStatuses = new Set(['completed', 'failed', 'stopped']);

/** `session.evt.status.v1`: a session that ended takes its whitelist with it. */
export function createSessionStatusHandler(whitelists: WhitelistStore) {
  return async (event: PayloadOf<typeof SessionStatusEvent>, context: { logger: Logger }): Promise<void> => {
    if (!endedStatuses.has(event.status)) return;
    await whitelists.remove(event.sessionId);
    context.logger.info({ sessionId: event.sessionId, status: event.status }, 'session whitelist dropped');
  };
}
