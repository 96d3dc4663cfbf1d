import type { Handler } from '@ironcurtain/bus';
import type { EgressSessionClose } from '@ironcurtain/proto-schemas';
import type { SessionRegistry } from '../proxy/session-registry.js';

/** `egress.session-close.v1`: revokes the session's sentinels and proxy token. */
export function sessionCloseHandler(registry: SessionRegistry): Handler<typeof EgressSessionClose> {
  return async (request) => ({
    sessionId: request.sessionId,
    wasOpen: await registry.close(request.sessionId),
  });
}
