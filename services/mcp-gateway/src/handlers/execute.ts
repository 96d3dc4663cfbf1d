import type { Handler } from '@ironcurtain/bus';
import { errorCodeOf } from '@ironcurtain/errors';
import type { McpgwExecute } from '@ironcurtain/proto-schemas';
import { executeCall, type ExecuteDependencies } from '../domain/calls/execute-call.js';

/** `mcpgw.execute.v1.<instance id>`: the canonical call, only with a valid signed decision addressed here. */
export function createExecuteHandler(deps: ExecuteDependencies): Handler<typeof McpgwExecute> {
  return async (request, context) => {
    const tool = `${request.serverName}.${request.toolName}`;
    try {
      const reply = await executeCall(deps, request);
      context.logger.info(
        { callId: request.callId, tool, isError: reply.isError, truncated: reply.truncated },
        // A repeat ran nothing: it is the first run's reply, given again.
        reply.isRepeat === true ? 'tool call answered again from its first run' : 'tool call executed',
      );
      return reply;
    } catch (error) {
      context.logger.warn(
        { callId: request.callId, tool, code: errorCodeOf(error), reason: (error as Error).message },
        'tool call not executed',
      );
      throw error;
    }
  };
}
