import type { Handler } from '@ironcurtain/bus';
import type { PdpToolCall } from '@ironcurtain/proto-schemas';
import { runToolCall, type CallLifecycleDependencies } from '../domain/call-lifecycle.js';
import type { CallsInFlight } from '../domain/calls-in-flight.js';

/**
 * `pdp.toolcall.v1`: the reference monitor. A call id this replica is already working on (or answered in the last
 * minutes) joins that work; `bus` sends progress while the call is decided and run.
 */
export function createToolCallHandler(
  dependencies: CallLifecycleDependencies,
  inFlight: CallsInFlight,
): Handler<typeof PdpToolCall> {
  return async (call, context) => {
    const reply = await inFlight.run(call, () => runToolCall(dependencies, call));
    context.logger.info(
      {
        callId: call.callId,
        attempt: call.attempt,
        tool: `${call.serverName}.${call.toolName}`,
        outcome: reply.outcome,
        rule: reply.decision.rule,
      },
      'tool call decided',
    );
    return reply;
  };
}
