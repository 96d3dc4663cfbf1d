// Decisions across gateways: a decision addressed to one replica runs there once and on no other replica, a
// restarted gateway refuses what was addressed to it before; unaddressed decisions (from PDPs that predate addressing)
// share used nonces across replicas; and a gateway with no key configured trusts the PDP key file as soon as the PDP
// writes it.
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

/** A second gateway replica on the world's bus, in a queue group of its own (so it also gets every queue request). */
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

const executeOn = (instanceId: string, payload: Parameters<World['execute']>[0]) =>
  request(world.client, mcpgwExecuteAt(instanceId), payload, { timeoutMs: 15_000 });

/** Sends an execute to the queue groups and collects up to two replies (raw NATS: `request` returns the first). */
async function bothReplies(
  payload: object,
): Promise<Array<{ ok: boolean; error?: { code: string; message: string } }>> {
  const replies = await world.client.connection.requestMany(
    McpgwExecute.subject,
    new TextEncoder().encode(JSON.stringify(payload)),
    { strategy: 'count', maxMessages: 2, maxWait: 15_000 },
  );
  const decoded: Array<{ ok: boolean; error?: { code: string; message: string } }> = [];
  for await (const reply of replies) decoded.push(JSON.parse(new TextDecoder().decode(reply.data)));
  return decoded;
}

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
      // On the queue groups, where an older PDP would send it, both replicas refuse it.
      const replies = await bothReplies(payload);
      expect(replies.map((reply) => reply.error?.code)).toEqual(['DECISION_REFUSED', 'DECISION_REFUSED']);
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

describe('unaddressed decisions (PDPs that predate addressing) share used nonces across replicas', () => {
  it('runs a decision once when two replicas both receive it', async () => {
    // Both gateways get every queue request, as two replicas would get a replayed decision. They claim the nonce in
    // the same KV bucket, so exactly one runs the call.
    const replica = await startReplica();
    try {
      const sandbox = await world.sandboxOf('sec-unaddressed');
      await writeFile(join(sandbox, 'from.txt'), 'moving');
      const payload = await world.signedExecute(
        'sec-unaddressed',
        'move_file',
        { source: 'from.txt', destination: 'to.txt' },
        { audience: null },
      );
      const replies = await bothReplies(payload);
      const outcomes = replies.map((reply) => (reply.ok ? 'executed' : String(reply.error?.code)));
      expect(outcomes.sort()).toEqual(['DECISION_REFUSED', 'executed']);
      expect(replies.find((reply) => !reply.ok)?.error?.message).toContain('replayed');
      expect(await readFile(join(sandbox, 'to.txt'), 'utf8')).toBe('moving');
    } finally {
      await stopReplica(replica);
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
