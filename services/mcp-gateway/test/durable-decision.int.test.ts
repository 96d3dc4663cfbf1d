// Audit before effect when the PDP sends the execute while its decision record is still being written (issue 21):
// a decision signed as not yet recorded runs only once the audit-writer's `audit.evt.decision-durable.v1` says that
// very decision — this call, allow, these arguments, addressed to this process — is on disk. Against the real
// filesystem server and real files; the test publishes the writer's event (in a deployment only the writer may).
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish } from '@ironcurtain/bus';
import { computeArgsHash } from '@ironcurtain/policy-engine';
import { AuditDecisionDurableEvent } from '@ironcurtain/proto-schemas';
import { createWorld, filesystemServer, textOf, type World } from './gateway-world.js';

let world: World;

beforeAll(async () => {
  world = await createWorld({
    servers: { filesystem: filesystemServer },
    env: { MCPGW_DURABLE_WAIT_MS: '1500', MCPGW_AUDIT_TIMEOUT_MS: '2000' },
  });
});
afterAll(async () => {
  await world?.dispose();
});

type Execute = Awaited<ReturnType<World['signedExecute']>>;

function durable(
  payload: Execute,
  overrides: Partial<{ status: 'allow' | 'deny'; argsHash: string; executor: string }> = {},
) {
  publish(world.client, AuditDecisionDurableEvent, {
    sessionId: payload.sessionId,
    requestId: payload.callId,
    status: overrides.status ?? 'allow',
    argsHash: overrides.argsHash ?? computeArgsHash(payload.canonicalArguments),
    executor: overrides.executor ?? world.executor,
    seq: 0,
  });
}

async function unrecordedWrite(session: string, name: string): Promise<{ payload: Execute; path: string }> {
  const sandbox = await world.sandboxOf(session);
  const path = join(sandbox, name);
  const payload = await world.signedExecute(
    session,
    'write_file',
    { path: name, content: 'written' },
    { isRecorded: false },
  );
  return { payload, path };
}

describe('a decision signed before its record was on disk', () => {
  it('is held, never run, and refused when the writer never says the record is durable (the append failed)', async () => {
    const { payload, path } = await unrecordedWrite('durable-never', 'never.txt');
    const started = Date.now();
    await expect(world.execute(payload)).rejects.toMatchObject({
      code: 'DECISION_NOT_DURABLE',
      message: expect.stringMatching(/not on disk within 1500 ms/),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    await expect(access(path)).rejects.toThrow();
    const refusals = world.audit.records.filter((record) => record['requestId'] === payload.callId);
    expect(refusals).toEqual([
      expect.objectContaining({
        kind: 'verifier',
        refusal: expect.objectContaining({ reason: 'decision-not-durable' }),
      }),
    ]);
  });

  it('runs once the writer says so, whether that came before the execute or while it was held', async () => {
    const early = await unrecordedWrite('durable-early', 'early.txt');
    durable(early.payload);
    await world.client.connection.flush();
    expect(textOf(await world.execute(early.payload))).toMatch(/Successfully wrote/);

    const held = await unrecordedWrite('durable-held', 'held.txt');
    const running = world.execute(held.payload);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(access(held.path)).rejects.toThrow(); // held: nothing written yet
    durable(held.payload);
    expect(textOf(await running)).toMatch(/Successfully wrote/);
    expect(await readFile(held.path, 'utf8')).toBe('written');
  });

  it('is refused when what is on disk is another decision: a deny, other arguments, or another gateway', async () => {
    for (const [name, overrides] of [
      ['deny', { status: 'deny' as const }],
      ['other-args', { argsHash: 'e'.repeat(64) }],
      ['other-gateway', { executor: 'another-gateway-process' }],
    ] as const) {
      const { payload, path } = await unrecordedWrite(`durable-${name}`, `${name}.txt`);
      const running = world.execute(payload);
      await new Promise((resolve) => setTimeout(resolve, 200));
      durable(payload, overrides);
      await expect(running).rejects.toMatchObject({ code: 'DECISION_NOT_DURABLE' });
      await expect(access(path)).rejects.toThrow();
    }
  });

  it('a decision signed as recorded does not wait', async () => {
    const sandbox = await world.sandboxOf('durable-recorded');
    await writeFile(join(sandbox, 'r.txt'), 'read me');
    const payload = await world.signedExecute('durable-recorded', 'read_file', { path: 'r.txt' });
    const started = Date.now();
    expect(textOf(await world.execute(payload))).toBe('read me');
    expect(Date.now() - started).toBeLessThan(1400);
  });
});
