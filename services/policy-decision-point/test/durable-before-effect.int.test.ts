// Issue 21's security test, through the real PDP, gateway (with the real filesystem MCP server) and audit-writer as
// processes: the PDP sends the execute while the decision's append is still being written, so when that append fails
// the gateway already holds the execute request — and still never runs the effect. The trail of the session is made
// unwritable for everyone, root included: its `audit.jsonl` is a directory.
import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '@ironcurtain/bus';
import { PdpToolCall } from '@ironcurtain/proto-schemas';
import { eventually } from '@ironcurtain/testing';
import { startRealServices, type RealServices } from './real-services.js';

let world: RealServices;

beforeAll(async () => {
  world = await startRealServices({ 'mcp-gateway': { MCPGW_DURABLE_WAIT_MS: '1500' } });
}, 90_000);
afterAll(async () => {
  await world?.dispose();
});

describe('a decision whose append fails', () => {
  it('is denied, and the gateway that already holds its execute never runs it', async () => {
    const sessionId = 'durable-broken-trail';
    const sandbox = join(world.home, 'sessions', sessionId, 'sandbox');
    await mkdir(sandbox, { recursive: true });
    await mkdir(join(world.home, 'sessions', sessionId, 'audit.jsonl'));
    const path = join(sandbox, 'effect.txt');
    const reply = await request(
      world.client,
      PdpToolCall,
      {
        callId: 'durable-1',
        sessionId,
        serverName: 'filesystem',
        toolName: 'write_file',
        arguments: { path, content: 'must never be written' },
      },
      { timeoutMs: 30_000 },
    );
    expect(reply).toMatchObject({ outcome: 'denied', decision: { rule: 'audit-unavailable' } });
    // The gateway was sent the execute (signed as not yet recorded) while the append was being tried.
    const execute = world.executed.find((message) => message.callId === 'durable-1');
    if (execute === undefined) throw new Error('the PDP did not send the execute with the append');
    const claims = JSON.parse(Buffer.from(execute.decision.payload, 'base64url').toString()) as {
      isRecorded: boolean;
    };
    expect(claims.isRecorded).toBe(false);
    // It held the call until its wait for the durable record ran out, and refused it; nothing was written.
    await eventually(
      'the gateway to refuse the held call',
      () => /decision-not-durable|DECISION_NOT_DURABLE/.test(world.outputOf('mcp-gateway')),
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(access(path)).rejects.toThrow();
    expect(world.outputOf('mcp-gateway')).not.toMatch(/"tool call executed"/);
  });

  it('with a trail that can be written, the same call runs once its decision is on disk', async () => {
    const sessionId = 'durable-good-trail';
    const sandbox = join(world.home, 'sessions', sessionId, 'sandbox');
    await mkdir(sandbox, { recursive: true });
    const path = join(sandbox, 'effect.txt');
    const reply = await request(
      world.client,
      PdpToolCall,
      {
        callId: 'durable-2',
        sessionId,
        serverName: 'filesystem',
        toolName: 'write_file',
        arguments: { path, content: 'written after the record' },
      },
      { timeoutMs: 30_000 },
    );
    expect(reply).toMatchObject({ outcome: 'executed', isError: false });
    expect(await readFile(path, 'utf8')).toBe('written after the record');
    const trail = await readFile(join(world.home, 'sessions', sessionId, 'audit.jsonl'), 'utf8');
    expect(JSON.parse(trail.split('\n')[0] ?? '{}')).toMatchObject({
      kind: 'decision',
      requestId: 'durable-2',
    });
  });
});
