// npm run bench:bus — request/reply latency through libs/bus (schema validation both ways, headers, $SRV
// framework) against a raw nats.js request to a raw echo responder, measured in the same run on the same server.
// Prints one JSON object. Target: the bus costs at most 25% more than raw at p50.
import { performance } from 'node:perf_hooks';
import { connect } from '@nats-io/transport-node';
import { z } from 'zod';
import { connectBus, request, serve } from '@ironcurtain/bus';
import { defineEndpoint } from '@ironcurtain/proto-schemas';
import { startNats } from '@ironcurtain/testing';

const Echo = defineEndpoint({
  subject: 'bench.echo.v1',
  description: 'bench echo',
  request: z.object({
    sessionId: z.string(),
    serverName: z.string(),
    toolName: z.string(),
    arguments: z.record(z.string(), z.unknown()),
  }),
  response: z.object({ decision: z.enum(['allow', 'deny']), rule: z.string(), reason: z.string() }),
});
const payload = {
  sessionId: 'sess-1',
  serverName: 'filesystem',
  toolName: 'read_file',
  arguments: { path: '/tmp/x' },
};
const reply = { decision: 'allow' as const, rule: 'structural-sandbox-allow', reason: 'inside the sandbox' };
const rounds = 5;
const perRound = Number(process.env['BENCH_ITERATIONS'] ?? 4000);

const nats = await startNats({ jetstream: false });
const server = await connectBus({ url: nats.url, name: 'bench-server' });
await serve(server, Echo, () => reply);
const rawServer = await connect({ servers: nats.url });
const replyBytes = new TextEncoder().encode(JSON.stringify({ ok: true, result: reply }));
rawServer.subscribe('bench.raw.v1', { callback: (_error, message) => void message.respond(replyBytes) });
await rawServer.flush();

const client = await connectBus({ url: nats.url, name: 'bench-client' });
const rawClient = await connect({ servers: nats.url });
const payloadBytes = new TextEncoder().encode(JSON.stringify(payload));

const timings = { raw: [] as number[], bus: [] as number[] };
const measure = async (
  into: number[] | undefined,
  count: number,
  call: () => Promise<unknown>,
): Promise<void> => {
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await call();
    into?.push((performance.now() - started) * 1000);
  }
};
const callRaw = () => rawClient.request('bench.raw.v1', payloadBytes, { timeout: 2000 });
const callBus = () => request(client, Echo, payload, { timeoutMs: 2000 });
await measure(undefined, 2000, callRaw);
await measure(undefined, 2000, callBus);
// Interleaved rounds so drift in machine load hits both sides alike.
for (let round = 0; round < rounds; round += 1) {
  await measure(timings.raw, perRound, callRaw);
  await measure(timings.bus, perRound, callBus);
}

const summarize = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (quantile: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { samples: sorted.length, p50Us: round2(at(0.5)), p99Us: round2(at(0.99)), meanUs: round2(mean) };
};
const round2 = (value: number) => Math.round(value * 100) / 100;
const raw = summarize(timings.raw);
const bus = summarize(timings.bus);
const overheadP50Percent = round2((bus.p50Us / raw.p50Us - 1) * 100);
console.log(
  JSON.stringify(
    {
      bench: 'bus',
      node: process.versions.node,
      baseline: 'raw nats.js request to a raw echo responder, same server, same run',
      raw,
      bus,
      ratioP50: round2(bus.p50Us / raw.p50Us),
      ratioP99: round2(bus.p99Us / raw.p99Us),
      overheadP50Percent,
      target: { maxOverheadP50Percent: 25, met: overheadP50Percent <= 25 },
    },
    null,
    2,
  ),
);

await Promise.all([client.close(), server.close(), rawClient.close(), rawServer.close()]);
await nats.dispose();
