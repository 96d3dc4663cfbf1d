// The node configs of deploy/nats/cluster/ as shipped, moved onto loopback (three nats-server processes): they form
// one JetStream cluster over the route login of routes.conf.example, with the users `ironcurtain deploy init` writes
// (users.conf), so only those users get in and each may do what its derived permissions allow.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUser } from '@nats-io/nkeys';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectBus, getJson, openKeyValue, putJson } from '@ironcurtain/bus';
import { connectionNameOf, policyBucket } from '@ironcurtain/proto-schemas';
import { startNatsCluster, type NatsClusterNodeSpec } from '@ironcurtain/testing';
import { renderDeployNatsConfig } from '../../services/cli/src/domain/deploy/deploy-nats-config.js';

const clusterConfigs = fileURLToPath(new URL('../../deploy/nats/cluster/', import.meta.url));

/**
 * A shipped node config as it would run on its machine, moved onto loopback: the store and the route port replaced
 * (client and monitoring ports are flags), with `users.conf` rendered as `ironcurtain deploy init` writes it and
 * `routes.conf` made from routes.conf.example, beside it.
 */
async function shippedNodeConfig(
  node: NatsClusterNodeSpec,
  usersConf: string,
  routePassword: string,
): Promise<string> {
  const example = await readFile(join(clusterConfigs, 'routes.conf.example'), 'utf8');
  const routes = example
    .replaceAll('ROUTE-PASSWORD', routePassword)
    .replace(
      /nats-(\d)\.home\.arpa:6222/g,
      (_match, number: string) => `127.0.0.1:${node.clusterPorts[Number(number) - 1]}`,
    );
  await writeFile(join(node.directory, 'routes.conf'), routes);
  await writeFile(join(node.directory, 'users.conf'), usersConf);
  const shipped = await readFile(join(clusterConfigs, `node-${node.index + 1}.conf`), 'utf8');
  return shipped
    .replace('/data/jetstream', node.storeDir)
    .replace('0.0.0.0:6222', `127.0.0.1:${node.clusterPort}`);
}

describe('the cluster configs in deploy/nats/cluster/', () => {
  it('form one JetStream cluster with the route login; only the users of deploy init get in, each as permitted', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ironcurtain-cluster-configs-'));
    const keys = { cli: createUser(), 'policy-decision-point': createUser() };
    const usersConf = renderDeployNatsConfig(
      Object.entries(keys).map(([principal, pair]) => ({ principal, publicKey: pair.getPublicKey() })),
    );
    const seedFile = async (principal: keyof typeof keys) => {
      const file = join(folder, `${principal}.nk`);
      await writeFile(file, keys[principal].getSeed());
      await chmod(file, 0o600);
      return file;
    };
    const routePassword = randomBytes(24).toString('hex');
    const shippedCluster = await startNatsCluster(3, {
      configOf: (node) => shippedNodeConfig(node, usersConf, routePassword),
    });
    try {
      expect(shippedCluster.nodes.map((node) => node.name)).toEqual([
        'ironcurtain-1',
        'ironcurtain-2',
        'ironcurtain-3',
      ]);
      const [first, , third] = shippedCluster.nodes;
      const cli = await connectBus({
        url: first?.url ?? '',
        name: connectionNameOf('cli'),
        nkeySeedFile: await seedFile('cli'),
        keyValueReplicas: 3,
      });
      const pdp = await connectBus({
        url: third?.url ?? '',
        name: 'policy-decision-point',
        nkeySeedFile: await seedFile('policy-decision-point'),
        keyValueReplicas: 3,
      });
      try {
        const written = await openKeyValue(cli, policyBucket, { history: 5 });
        expect((await written.status()).replicas).toBe(3);
        await putJson(written, 'probe', { from: 'cli' });
        const read = await openKeyValue(pdp, policyBucket, { history: 5 });
        expect((await getJson(read, 'probe', z.object({ from: z.string() })))?.value).toEqual({
          from: 'cli',
        });
        // The PDP reads the policy; only the CLI may write it.
        await expect(putJson(read, 'probe', { from: 'pdp' })).rejects.toThrow();
      } finally {
        await Promise.all([cli.close(), pdp.close()]);
      }
      await expect(connectBus({ url: shippedCluster.url, name: 'stranger' })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
      });
    } finally {
      await shippedCluster.dispose();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
