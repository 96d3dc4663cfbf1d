import { randomUUID } from 'node:crypto';
import { request } from '@ironcurtain/bus';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { ListToolCaller } from '@ironcurtain/policy-compiler';
import { PdpToolCall } from '@ironcurtain/proto-schemas';
import { resolveCliNats } from '../cli-nats.js';
import { connectCliBus } from '../cli-bus.js';

/** The session the compile's own tool calls are decided and audited under. */
export const compileSessionId = 'policy-compile';

// A live-data call may wait for a human to approve it.
const toolCallTimeoutMs = 5 * 60_000;

/**
 * Calls MCP tools for live lists (contacts, …) through the policy decision point, like any agent call: decided by
 * the active policy, escalated if it says so, audited. Connects on the first call only, so compiles without live
 * lists need no stack.
 */
export function createPdpListToolCaller(
  env: Record<string, string | undefined>,
  home: string,
): ListToolCaller {
  return async (call) => {
    const settings = await resolveCliNats(env, home);
    const bus = await connectCliBus(settings);
    try {
      const response = await request(
        bus,
        PdpToolCall,
        {
          callId: `compile-${randomUUID()}`,
          sessionId: compileSessionId,
          serverName: call.server,
          toolName: call.tool,
          arguments: call.arguments,
        },
        { timeoutMs: toolCallTimeoutMs },
      );
      if (response.outcome !== 'executed') {
        throw new AppError(
          ErrorCode.PolicyDenied,
          `${call.server}.${call.tool} for a live list was ${response.outcome}: ${response.message}`,
        );
      }
      return (response.content ?? [])
        .map((item) => (typeof item['text'] === 'string' ? item['text'] : JSON.stringify(item)))
        .join('\n');
    } finally {
      await bus.close();
    }
  };
}
