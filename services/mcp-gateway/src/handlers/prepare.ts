import type { Handler } from '@ironcurtain/bus';
import type { McpgwPrepare } from '@ironcurtain/proto-schemas';
import { prepareCall, type PrepareDependencies } from '../domain/calls/prepare-call.js';

/** `mcpgw.prepare.v1`: schema check and canonical arguments, with their hash. */
export function createPrepareHandler(deps: PrepareDependencies): Handler<typeof McpgwPrepare> {
  return async (request, context) => {
    const reply = await prepareCall(deps, request);
    if (reply.status === 'invalid') {
      context.logger.info(
        { callId: request.callId, tool: `${request.serverName}.${request.toolName}`, reason: reply.reason },
        'arguments invalid',
      );
    }
    return reply;
  };
}
