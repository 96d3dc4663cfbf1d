import type { Handler } from '@ironcurtain/bus';
import type { PdpToolCall } from '@ironcurtain/proto-schemas';
import { runToolCall, type CallLifecycleDependencies } from '../domain/call-lifecycle.js';

/** `pdp.toolcall.v1`: the reference monitor. */
export function createToolCallHandler(dependencies: CallLifecycleDependencies): Handler<typeof PdpToolCall> {
  return async (call, context) => {
    const reply = await runToolCall(dependencies, call);
    context.logger.info(
      {
        callId: call.callId,
        tool: `${call.serverName}.${call.toolName}`,
        outcome: reply.outcome,
        rule: reply.decision.rule,
      },
      'tool call decided',
    );
    return reply;
  };
}
