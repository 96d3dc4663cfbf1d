// The bridge across a real bus: tool functions in the isolate become pdp.toolcall.v1 requests on a real
// nats-server, answered by a small stand-in for the policy-decision-point.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, serve, type Bus } from '@ironcurtain/bus';
import { createCodeRunner, type ToolCall, type ToolCallOutcome } from '@ironcurtain/code-mode';
import { PdpToolCall } from '@ironcurtain/proto-schemas';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { catalog } from './tool-host.js';

let nats: NatsServerHandle;
let pdp: Bus;
let orchestrator: Bus;
let callCount = 0;

beforeAll(async () => {
  nats = await startNats({ jetstream: false });
  pdp = await connectBus({ url: nats.url, name: 'policy-decision-point' });
  orchestrator = await connectBus({ url: nats.url, name: 'session-orchestrator' });
  await serve(pdp, PdpToolCall, (call) => {
    callCount += 1;
    const decision = { decision: 'deny' as const, rule: 'escalate-git-push', reason: 'pushes need approval' };
    if (call.toolName === 'git_push') {
      return {
        callId: call.callId,
        outcome: 'denied' as const,
        decision,
        message: `DENIED: ${decision.reason}`,
      };
    }
    return {
      callId: call.callId,
      outcome: 'executed' as const,
      decision: {
        decision: 'allow' as const,
        rule: 'structural-sandbox-allow',
        reason: 'inside the sandbox',
      },
      message: `${call.serverName}.${call.toolName} ${JSON.stringify(call.arguments)}`,
    };
  });
});

afterAll(async () => {
  await Promise.all([pdp.close(), orchestrator.close()]);
  await nats.dispose();
});

/** What the session-orchestrator does with a call: one pdp.toolcall.v1 request, the reply as the outcome. */
function callToolOver(bus: Bus) {
  return async (call: ToolCall): Promise<ToolCallOutcome> => {
    const reply = await request(
      bus,
      PdpToolCall,
      {
        callId: `call-${Math.random().toString(36).slice(2)}`,
        sessionId: 'session-1',
        serverName: call.serverName,
        toolName: call.toolName,
        arguments: call.arguments,
      },
      { timeoutMs: 2000 },
    );
    return reply.outcome === 'executed'
      ? { ok: true, text: reply.message, content: reply.content ?? [] }
      : { ok: false, message: reply.message };
  };
}

describe('Code Mode over a real bus', () => {
  it('carries synchronous tool calls and denials from the isolate through pdp.toolcall.v1', async () => {
    const runner = createCodeRunner({ tools: catalog, callTool: callToolOver(orchestrator) });
    const before = callCount;
    const execution = await runner.execute(`
      const read = filesystem.read_file({ path: '/sandbox/notes.md' });
      let denied;
      try { git.git_push({ branch: 'main' }); } catch (error) { denied = error.message; }
      ({ read, denied })`);
    expect(execution).toMatchObject({ ok: true, toolCalls: 2 });
    expect(JSON.parse(execution.ok ? (execution.result ?? '') : '')).toEqual({
      read: 'filesystem.read_file {"path":"/sandbox/notes.md"}',
      denied: 'DENIED: pushes need approval',
    });
    expect(callCount - before).toBe(2);
  });

  it('gives agent code a generic error, not the bus error, when nobody answers', async () => {
    const lonely = await connectBus({ url: nats.url, name: 'lonely' });
    const runner = createCodeRunner({
      tools: { servers: [{ name: 'nowhere', tools: [{ name: 'call', inputSchema: { type: 'object' } }] }] },
      callTool: async (call) => {
        // A subject nobody serves: the bus answers NO_RESPONDERS, which callTool lets escape on purpose.
        await request(
          lonely,
          { ...PdpToolCall, subject: 'nobody.toolcall.v1' },
          {
            callId: 'c',
            sessionId: 'session-1',
            serverName: call.serverName,
            toolName: call.toolName,
            arguments: call.arguments,
          },
        );
        return { ok: true, text: 'unreachable' };
      },
    });
    const execution = await runner.execute(`try { nowhere.call({}) } catch (error) { error.message }`);
    expect(execution.ok && execution.result).toMatch(/^ERROR: nowhere\.call failed inside IronCurtain/);
    expect(execution.ok && execution.result).not.toMatch(/NO_RESPONDERS|nobody/);
    await lonely.close();
  });
});
