// npm run bench:session — Code Mode costs, measured in one run on one nats-server:
//  - isolate start: a new isolate + context (what every execute pays), a new context in a warm isolate (the
//    alternative design), and a whole execute of trivial code (isolate, context, bridge, compile, run, dispose);
//  - one tool call made from inside the isolate (sync function → bridge → bus request → responder → reply → back
//    into the isolate) against the same bus request made directly from the host, interleaved in rounds.
// Prints one JSON object. Target: isolate start ≤5 ms at p50.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import ivm from 'isolated-vm';
import { z } from 'zod';
import { connectBus, request, serve } from '@ironcurtain/bus';
import { createCodeRunner } from '@ironcurtain/code-mode';
import { defineEndpoint } from '@ironcurtain/proto-schemas';
import { startNats } from '@ironcurtain/testing';

const Tool = defineEndpoint({
  subject: 'bench.tool.v1',
  description: 'bench tool call',
  request: z.object({
    serverName: z.string(),
    toolName: z.string(),
    arguments: z.record(z.string(), z.unknown()),
  }),
  response: z.object({ text: z.string() }),
});
const rounds = 5;
const startsPerRound = Number(process.env['BENCH_STARTS'] ?? 200);
const callsPerRound = Number(process.env['BENCH_ITERATIONS'] ?? 1000);
const catalog = {
  servers: [
    {
      name: 'filesystem',
      tools: [
        {
          name: 'read_file',
          description: 'Read a file',
          inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
        },
      ],
    },
  ],
};

const nats = await startNats({ jetstream: false });
const server = await connectBus({ url: nats.url, name: 'bench-server' });
await serve(server, Tool, (call) => ({ text: `read ${String(call.arguments['path'])}` }));
const client = await connectBus({ url: nats.url, name: 'bench-client' });
const payload = { serverName: 'filesystem', toolName: 'read_file', arguments: { path: '/sandbox/a.txt' } };

// Host-side entry times of callTool: consecutive entries within one execution are one full tool call apart.
let entries: number[] = [];
const runner = createCodeRunner({
  tools: catalog,
  callTool: async (call) => {
    entries.push(performance.now());
    const reply = await request(
      client,
      Tool,
      { serverName: call.serverName, toolName: call.toolName, arguments: call.arguments },
      { timeoutMs: 2000 },
    );
    return { ok: true, text: reply.text };
  },
});

const timings = {
  isolateAndContext: [] as number[],
  contextInWarmIsolate: [] as number[],
  execute: [] as number[],
  direct: [] as number[],
  fromIsolate: [] as number[],
};
const time = async (into: number[] | undefined, work: () => Promise<unknown>): Promise<void> => {
  const started = performance.now();
  await work();
  into?.push((performance.now() - started) * 1000);
};
const newIsolateAndContext = async () => {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  await isolate.createContext();
  return isolate;
};
const warmIsolate = new ivm.Isolate({ memoryLimit: 128 });

async function measureStarts(record: boolean): Promise<void> {
  for (let index = 0; index < startsPerRound; index += 1) {
    let isolate: ivm.Isolate | undefined;
    await time(record ? timings.isolateAndContext : undefined, async () => {
      isolate = await newIsolateAndContext();
    });
    isolate?.dispose();
    let context: ivm.Context | undefined;
    await time(record ? timings.contextInWarmIsolate : undefined, async () => {
      context = await warmIsolate.createContext();
    });
    context?.release();
    await time(record ? timings.execute : undefined, () => runner.execute('undefined'));
  }
}

async function measureCalls(record: boolean): Promise<void> {
  for (let index = 0; index < callsPerRound; index += 1) {
    await time(record ? timings.direct : undefined, () =>
      request(client, Tool, payload, { timeoutMs: 2000 }),
    );
  }
  entries = [];
  const execution = await runner.execute(
    `for (let i = 0; i < ${callsPerRound + 1}; i += 1) filesystem.read_file({ path: '/sandbox/a.txt' });`,
  );
  if (!execution.ok) throw new Error(`bench execution failed: ${execution.error.message}`);
  if (!record) return;
  for (let index = 1; index < entries.length; index += 1) {
    timings.fromIsolate.push(((entries[index] ?? 0) - (entries[index - 1] ?? 0)) * 1000);
  }
}

await measureStarts(false);
await measureCalls(false);
// Interleaved rounds so drift in machine load hits both sides alike.
for (let round = 0; round < rounds; round += 1) {
  await measureStarts(true);
  await measureCalls(true);
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const summarize = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (quantile: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { samples: sorted.length, p50Us: round2(at(0.5)), p99Us: round2(at(0.99)), meanUs: round2(mean) };
};
const isolateAndContext = summarize(timings.isolateAndContext);
const execute = summarize(timings.execute);
const direct = summarize(timings.direct);
const fromIsolate = summarize(timings.fromIsolate);
console.log(
  JSON.stringify(
    {
      bench: 'session',
      node: process.versions.node,
      isolatedVm: (createRequire(import.meta.url)('isolated-vm/package.json') as { version: string }).version,
      isolateStart: {
        isolateAndContext,
        contextInWarmIsolate: summarize(timings.contextInWarmIsolate),
        executeTrivialCode: execute,
        note: 'executeTrivialCode = new isolate + context + bridge + compile + run + dispose, what each execute pays',
      },
      toolCall: {
        baseline: 'the same bus request made directly from the host, same server, same run',
        direct,
        fromIsolate,
        addedP50Us: round2(fromIsolate.p50Us - direct.p50Us),
        addedP99Us: round2(fromIsolate.p99Us - direct.p99Us),
        ratioP50: round2(fromIsolate.p50Us / direct.p50Us),
      },
      target: {
        maxIsolateStartP50Us: 5000,
        met: isolateAndContext.p50Us <= 5000 && execute.p50Us <= 5000,
      },
    },
    null,
    2,
  ),
);

warmIsolate.dispose();
await Promise.all([client.close(), server.close()]);
await nats.dispose();
