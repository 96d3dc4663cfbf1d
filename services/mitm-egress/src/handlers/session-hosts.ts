import type { Handler } from '@ironcurtain/bus';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { EgressSessionHosts } from '@ironcurtain/proto-schemas';
import type { ProviderIndex } from '../domain/providers.js';
import type { SessionRegistry } from '../proxy/session-registry.js';

/**
 * `egress.session-hosts.v1`: adds or removes hosts the session may reach (the `proxy` virtual tools call it once the
 * policy allowed the change). A provider's host cannot be added: its endpoints and keys are fixed.
 */
export function sessionHostsHandler(
  registry: SessionRegistry,
  providers: ProviderIndex,
): Handler<typeof EgressSessionHosts> {
  return async (request, context) => {
    const providerHost = request.add.find((host) => providers.byConnectTarget(host, 443) !== undefined);
    if (providerHost !== undefined) {
      throw new AppError(
        ErrorCode.PolicyDenied,
        `${providerHost} is a provider host: its endpoints and keys are fixed, it cannot be added as a plain host`,
      );
    }
    const hosts = await registry.updateHosts(request.sessionId, request.add, request.remove);
    if (request.add.length > 0 || request.remove.length > 0) {
      context.logger.info(
        { sessionId: request.sessionId, add: request.add, remove: request.remove },
        'hosts changed',
      );
    }
    return { sessionId: request.sessionId, hosts };
  };
}
