// Decisions across gateways: two replicas share the used nonces (a decision runs once, whichever replica gets it),
// and a gateway with no key configured trusts the PDP key file as soon as the PDP writes it.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus } from '@ironcurtain/bus';
import { silentLogger } from '@ironcurtain/log';
import { McpgwExecute } from '@ironcurtain/proto-schemas';
import { loadConfig } from '../src/config.js';
import { createMcpGatewayService } from '../src/service.js';
import { createWorld, filesystemServer, textOf, type World } from './gateway-world.js';

let world: World;

beforeAll(async () => {
  world = await createWorld({ servers: { filesystem: filesystemServer } });
});
afterAll(async () => {
  await world?.dispose();
});

/** Sends an execute and collects up to two replies (raw NATS: the bus's request returns the first only). */
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

describe('used nonces are shared by every gateway replica', () => {
  it('runs a decision once when two replicas both receive it', async () => {
    // A second gateway in a queue group of its own: both gateways get every request, as two replicas would get a
    // replayed decision. They claim the nonce in the same KV bucket, so exactly one runs the call.
    const bus = await connectBus({ url: world.nats.url, name: 'mcp-gateway-replica' });
    const replica = createMcpGatewayService({
      bus,
      config: loadConfig({
        NATS_URL: world.nats.url,
        IRONCURTAIN_HOME: world.home,
        IRONCURTAIN_MCP_CONFIG: join(world.root, 'mcp-servers.json'),
        MCPGW_TRUSTED_PDP_KEYS: world.signer.publicKey,
      }),
      logger: silentLogger(),
    });
    await replica.start();
    try {
      const sandbox = await world.sandboxOf('sec-replicas');
      await writeFile(join(sandbox, 'from.txt'), 'moving');
      const payload = await world.signedExecute('sec-replicas', 'move_file', {
        source: 'from.txt',
        destination: 'to.txt',
      });
      // Both answers, not just the first: one ran the move, the other refused the replay.
      const replies = await bothReplies(payload);
      const outcomes = replies.map((reply) => (reply.ok ? 'executed' : String(reply.error?.code)));
      expect(outcomes.sort()).toEqual(['DECISION_REFUSED', 'executed']);
      expect(replies.find((reply) => !reply.ok)?.error?.message).toContain('replayed');
      expect(await readFile(join(sandbox, 'to.txt'), 'utf8')).toBe('moving');
    } finally {
      await replica.stop();
      await bus.close();
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
