// KV buckets on a real 3-node JetStream cluster (three nats-server processes on loopback): the replicas a bucket is
// created with, an existing bucket with fewer, too many for the cluster or for a single server, and a connection
// that loses its node.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, getJson, openKeyValue, putJson, type Bus } from '@ironcurtain/bus';
import { createLogger } from '@ironcurtain/log';
import {
  eventually,
  startNats,
  startNatsCluster,
  type NatsClusterHandle,
  type NatsServerHandle,
} from '@ironcurtain/testing';
import { z } from 'zod';

let cluster: NatsClusterHandle;
let single: NatsServerHandle;
const opened: Bus[] = [];
const warnings: string[] = [];

// A logger whose warnings the test reads: what an operator would see in the service's log.
const capturingLogger = createLogger({
  service: 'key-value-test',
  version: '0.0.0',
  level: 'warn',
  destination: new Writable({
    write(chunk: Buffer, _encoding, done) {
      warnings.push(String((JSON.parse(chunk.toString()) as { msg?: unknown }).msg));
      done();
    },
  }),
});

async function bus(name: string, keyValueReplicas?: number, url = cluster.url): Promise<Bus> {
  const connected = await connectBus({ url, name, keyValueReplicas, logger: capturingLogger });
  opened.push(connected);
  return connected;
}

beforeAll(async () => {
  [cluster, single] = await Promise.all([startNatsCluster(3), startNats()]);
});

afterAll(async () => {
  await Promise.all(opened.map((connected) => connected.close()));
  await Promise.all([cluster?.dispose(), single?.dispose()]);
});

describe('openKeyValue on a JetStream cluster', () => {
  it('creates a bucket on as many servers as the bus asks for, unless the call names its own replicas', async () => {
    const replicated = await bus('kv-replicated', 3);
    expect((await (await openKeyValue(replicated, 'replicated')).status()).replicas).toBe(3);
    expect((await (await openKeyValue(replicated, 'pinned', { replicas: 1 })).status()).replicas).toBe(1);
    const plain = await bus('kv-plain');
    expect((await (await openKeyValue(plain, 'unreplicated')).status()).replicas).toBe(1);
  });

  it('binds a bucket that exists with fewer replicas as it is, and warns with the command that scales it', async () => {
    const first = await bus('kv-first');
    await putJson(await openKeyValue(first, 'made-small'), 'key', { value: 1 });
    warnings.length = 0;
    const later = await openKeyValue(await bus('kv-later', 3), 'made-small');
    expect((await later.status()).replicas).toBe(1);
    expect(await getJson(later, 'key', z.object({ value: z.number() }))).toMatchObject({
      value: { value: 1 },
    });
    expect(warnings).toEqual([expect.stringContaining('nats stream edit KV_made-small --replicas 3')]);
    expect(warnings[0]).toContain('fewer than NATS_KV_REPLICAS=3');
  });

  it('refuses more replicas than the cluster has servers: UNAVAILABLE, naming NATS_KV_REPLICAS', async () => {
    await expect(openKeyValue(await bus('kv-greedy', 5), 'too-many')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
      message: expect.stringMatching(/too-many with 5 replicas.*NATS_KV_REPLICAS/),
    });
  });

  it('refuses replicas on a single nats-server: CONFIG_INVALID, telling to set NATS_KV_REPLICAS=1', async () => {
    await expect(openKeyValue(await bus('kv-single', 3, single.url), 'alone')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('Set NATS_KV_REPLICAS=1 for a single nats-server'),
    });
  });

  it('keeps working when the node it is connected to is killed: reconnects to another, every value is kept', async () => {
    const client = await bus('kv-survivor', 3);
    const kv = await openKeyValue(client, 'survives');
    for (let index = 0; index < 20; index += 1) await putJson(kv, `key-${index}`, { index });
    const before = client.connection.getServer();
    const index = cluster.nodes.findIndex((node) => before.endsWith(`:${node.port}`));
    expect(index).toBeGreaterThanOrEqual(0);
    await cluster.killNode(index);
    await eventually('the connection to move to another node', async () => {
      const now = client.connection.getServer();
      return now !== before && !client.connection.isClosed();
    });
    const Entry = z.object({ index: z.number() });
    // The stream may be electing a new leader: reads and writes go through once it has one.
    await eventually('a write after the kill', async () => (await putJson(kv, 'after', { index: -1 })) > 0);
    for (let key = 0; key < 20; key += 1) {
      expect((await getJson(kv, `key-${key}`, Entry))?.value).toEqual({ index: key });
    }
  });
});
