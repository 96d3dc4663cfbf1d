import type { Handler } from '@ironcurtain/bus';
import type { EgressSessionOpen } from '@ironcurtain/proto-schemas';
import type { Provider } from '../domain/providers.js';
import type { SessionRegistry } from '../proxy/session-registry.js';

/** `egress.session-open.v1`: fresh sentinels for every provider and a proxy token; the old ones stop working. */
export function sessionOpenHandler(
  registry: SessionRegistry,
  providers: readonly Provider[],
  caCertificatePem: string,
): Handler<typeof EgressSessionOpen> {
  return async (request, context) => {
    const opened = await registry.open(request.sessionId, providers);
    context.logger.info(
      { sessionId: request.sessionId, providers: providers.map((p) => p.name) },
      'session opened',
    );
    return { sessionId: request.sessionId, ...opened, caCertificatePem };
  };
}
