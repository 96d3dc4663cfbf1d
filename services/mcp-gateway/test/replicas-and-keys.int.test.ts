// Decisions addressed to a gateway instance: each prepare names its instance; a decision runs only there, and there
// once; one addressed elsewhere or to no one is refused and audited; nothing serves the bare mcpgw.execute.v1. Across
// gateways: on no other replica, and a restarted gateway refuses what was addressed to it before, each with its used
// nonces in its own memory. And a gateway with no key configured trusts the PDP key file once the PDP writes it.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, type Bus } from '@ironcurtain/bus';
import { silentLogger } from '@ironcurtain/log';
import { McpgwExecute, mcpgwExecuteAt } from '@ironcurtain/proto-schemas';
import type { RunningService } from '@ironcurtain/runtime';
import { loadConfig } from '../src/config.js';
import { createMcpGatewayService } from '../src/service.js';
import { createWorld, filesystemServer, gatewayInstanceId, textOf, type World } from './gateway-world.js';

let world: World;

beforeAll(async () => {
  world = await createWorld({ servers: { filesystem: filesystemServer } });
});
afterAll(async () => {
  await world?.dispose();
});

/** A second gateway replica on the world's bus, under a `$SRV` name of its own (so its instance id can be found). */
async function startReplica(): Promise<{ bus: Bus; service: RunningService; instanceId: string }> {
  const bus = await connectBus({ url: world.nats.url, name: 'mcp-gateway-replica' });
  const service = createMcpGatewayService({
    bus,
    config: loadConfig({
      NATS_URL: world.nats.url,
      IRONCURTAIN_HOME: world.home,
      IRONCURTAIN_MCP_CONFIG: join(world.root, 'mcp-servers.json'),
      MCPGW_TRUSTED_PDP_KEYS: world.signer.publicKey,
    }),
    logger: silentLogger(),
  });
  await service.start();
  return { bus, service, instanceId: await gatewayInstanceId(world.client, 'mcp-gateway-replica') };
}

async function stopReplica(replica: { bus: Bus; service: RunningService }): Promise<void> {
  await replica.service.stop();
  await replica.bus.close();
}

const execute = (payload: Parameters<World['execute']>[0]) => world.execute(payload);

const verifierRecordFor = (callId: string) =>
  world.audit.records.filter((record) => record['kind'] === 'verifier' && record['requestId'] === callId);

const executeOn = (instanceId: string, payload: Parameters<World['execute']>[0]) =>
  request(world.client, mcpgwExecuteAt(instanceId), payload, { timeoutMs: 15_000 });

describe('decisions addressed to this gateway instance (audience)', () => {
  it('names this instance in every valid prepare reply', async () => {
    const sandbox = await world.sandboxOf('sec-executor');
    await writeFile(join(sandbox, 'a.txt'), 'a');
    const prepared = await world.prepare('sec-executor', 'filesystem', 'read_file', { path: 'a.txt' });
    expect(prepared).toMatchObject({ status: 'valid', executor: world.executor });
  });

  it('refuses, and audits, a decision addressed to another instance; it never burns the nonce', async () => {
    const sandbox = await world.sandboxOf('sec-audience');
    await writeFile(join(sandbox, 'a.txt'), 'secret a');
    const elsewhere = await world.signedExecute(
      'sec-audience',
      'read_file',
      { path: 'a.txt' },
      { audience: 'another-gateway-instance' },
    );
    await expect(execute(elsewhere)).rejects.toMatchObject({
      code: 'DECISION_REFUSED',
      message: expect.stringContaining('wrong-executor'),
    });
    expect(verifierRecordFor(elsewhere.callId)).toEqual([
      expect.objectContaining({ refusal: expect.objectContaining({ reason: 'wrong-executor' }) }),
    ]);
  });

  it('refuses a decision that names no executor; nothing answers on the bare mcpgw.execute.v1', async () => {
    const sandbox = await world.sandboxOf('sec-subjects');
    await writeFile(join(sandbox, 'a.txt'), 'a');
    const unaddressed = await world.signedExecute(
      'sec-subjects',
      'read_file',
      { path: 'a.txt' },
      { audience: null },
    );
    await expect(execute(unaddressed)).rejects.toMatchObject({
      code: 'DECISION_REFUSED',
      message: /wrong-executor.*names no executor/,
    });
    expect(verifierRecordFor(unaddressed.callId)).toEqual([
      expect.objectContaining({ refusal: expect.objectContaining({ reason: 'wrong-executor' }) }),
    ]);
    const addressed = await world.signedExecute('sec-subjects', 'read_file', { path: 'a.txt' });
    for (const payload of [unaddressed, addressed]) {
      await expect(request(world.client, McpgwExecute, payload, { timeoutMs: 5000 })).rejects.toMatchObject({
        code: 'NO_RESPONDERS',
      });
    }
    // Nobody received it there, so its nonce is unused: it runs once where it is addressed, and only once.
    expect(textOf(await execute(addressed))).toBe('a');
    await expect(execute(addressed)).rejects.toMatchObject({ message: /replayed/ });
  });
});

describe('a decision addressed to one replica', () => {
  it('runs on that replica once; replayed there, or sent to another replica, it is refused', async () => {
    const replica = await startReplica();
    try {
      expect(replica.instanceId).not.toBe(world.executor);
      const sandbox = await world.sandboxOf('sec-replicas');
      await writeFile(join(sandbox, 'from.txt'), 'moving');
      const payload = await world.signedExecute('sec-replicas', 'move_file', {
        source: 'from.txt',
        destination: 'to.txt',
      });
      // Fresh and valid in every other respect: only the audience check stops replica B from running it.
      await expect(executeOn(replica.instanceId, payload)).rejects.toMatchObject({
        code: 'DECISION_REFUSED',
        message: expect.stringContaining('wrong-executor'),
      });
      expect(await readFile(join(sandbox, 'from.txt'), 'utf8')).toBe('moving');
      await executeOn(world.executor, payload);
      expect(await readFile(join(sandbox, 'to.txt'), 'utf8')).toBe('moving');
      // Only the nonce remembered in replica A's memory stops the replay there.
      await writeFile(join(sandbox, 'from.txt'), 'again');
      await expect(executeOn(world.executor, payload)).rejects.toMatchObject({
        code: 'DECISION_REFUSED',
        message: expect.stringContaining('replayed'),
      });
      await expect(executeOn(replica.instanceId, payload)).rejects.toMatchObject({
        message: expect.stringContaining('wrong-executor'),
      });
      expect(await readFile(join(sandbox, 'from.txt'), 'utf8')).toBe('again');
    } finally {
      await stopReplica(replica);
    }
  });

  it('a restarted gateway has a new instance id: what was addressed to it before is refused everywhere', async () => {
    const sandbox = await world.sandboxOf('sec-restart');
    await writeFile(join(sandbox, 'r.txt'), 'r');
    const before = await startReplica();
    const payload = await world.signedExecute(
      'sec-restart',
      'read_file',
      { path: 'r.txt' },
      {
        audience: before.instanceId,
      },
    );
    await stopReplica(before);
    const after = await startReplica();
    try {
      expect(after.instanceId).not.toBe(before.instanceId);
      await expect(executeOn(before.instanceId, payload)).rejects.toMatchObject({ code: 'NO_RESPONDERS' });
      for (const instanceId of [after.instanceId, world.executor]) {
        await expect(executeOn(instanceId, payload)).rejects.toMatchObject({
          code: 'DECISION_REFUSED',
          message: expect.stringContaining('wrong-executor'),
        });
      }
    } finally {
      await stopReplica(after);
    }
  });
});

describe('trusted PDP keys from $IRONCURTAIN_HOME/keys/pdp.pub', () => {
  let keyWorld: World;
  beforeAll(async () => {
    keyWorld = await createWorld({ servers: { filesystem: filesystemServer }, trustSigner: false });
  });
  afterAll(async () => {
    await keyWorld?.dispose();
  });

  it('refuses everything until the PDP writes its key, then trusts it without a restart', async () => {
    const sandbox = await keyWorld.sandboxOf('sec-keyfile');
    await writeFile(join(sandbox, 'k.txt'), 'k');
    await expect(
      keyWorld.run('sec-keyfile', 'filesystem', 'read_file', { path: 'k.txt' }),
    ).rejects.toMatchObject({
      code: 'DECISION_REFUSED',
      message: expect.stringContaining(
        `no PDP key is trusted: set MCPGW_TRUSTED_PDP_KEYS, or start the PDP, which writes ${join(keyWorld.home, 'keys', 'pdp.pub')}`,
      ),
    });
    await mkdir(join(keyWorld.home, 'keys'), { recursive: true });
    await writeFile(join(keyWorld.home, 'keys', 'pdp.pub'), `${keyWorld.signer.publicKey}\n`);
    const read = await keyWorld.run('sec-keyfile', 'filesystem', 'read_file', { path: 'k.txt' });
    expect(textOf(read)).toBe('k');
  });
});
