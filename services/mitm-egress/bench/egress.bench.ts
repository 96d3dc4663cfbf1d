// npm run bench:egress — what the proxy adds, measured against a direct connection to the same upstream in the same
// run: request latency on a warm (kept-alive) connection, SSE time to first chunk, and requests/s with 32 concurrent
// clients. Forward mode is a CONNECT tunnel with TLS terminated by the egress; reverse mode is plain HTTP to
// /anthropic/…. Both go on to the upstream over kept-alive, verified TLS. Prints one JSON object.
// Targets: ≤1 ms added at p50 on a warm connection, ≤2 ms added to time to first chunk.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { connectBus, request as busRequest } from '@ironcurtain/bus';
import { EgressSessionOpen } from '@ironcurtain/proto-schemas';
import { eventually, startNats, stopProcess } from '@ironcurtain/testing';
import { loadOrCreateCertificateAuthority } from '../dist/proxy/certificate-authority.js';
import { TunnelAgent } from './tunnel-agent.ts';

const iterations = Number(process.env['BENCH_ITERATIONS'] ?? 2000);
const rounds = 4;
const throughputMs = Number(process.env['BENCH_THROUGHPUT_MS'] ?? 3000);
const concurrency = 32;
const here = dirname(fileURLToPath(import.meta.url));

// The upstream and the egress each run in their own process, as in production; this process is only the client.
const home = await mkdtemp(join(tmpdir(), 'egress-bench-'));
const upstreamAuthority = await loadOrCreateCertificateAuthority(
  join(home, 'upstream-ca'),
  'Egress bench upstream CA',
);
const upstreamCert = await upstreamAuthority.issue('api.anthropic.com');
const files = {
  ca: join(home, 'upstream-ca.pem'),
  cert: join(home, 'upstream.pem'),
  key: join(home, 'upstream.key'),
};
await writeFile(files.ca, upstreamAuthority.certificatePem);
await writeFile(files.cert, upstreamCert.certificatePem);
await writeFile(files.key, upstreamCert.keyPem, { mode: 0o600 });
const upstreamProcess = spawn(process.execPath, [join(here, 'bench-upstream.ts'), files.cert, files.key], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const upstreamPort = await new Promise<number>((resolve) =>
  upstreamProcess.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
);

const nats = await startNats();
const egressPort = await freePort();
const egressProcess: ChildProcess = spawn(
  process.execPath,
  [
    ...(process.env['BENCH_EGRESS_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
    join(here, '..', 'dist', 'index.js'),
  ],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env['PATH'],
      NATS_URL: nats.url,
      IRONCURTAIN_HOME: home,
      LOG_LEVEL: 'warn',
      EGRESS_PORT: String(egressPort),
      ANTHROPIC_API_KEY: 'sk-ant-real-bench',
      EGRESS_ALLOW_ADDRESSES: '127.0.0.1',
      EGRESS_UPSTREAM_CA_FILE: files.ca,
      EGRESS_UPSTREAM_OVERRIDES: JSON.stringify({ 'api.anthropic.com': `127.0.0.1:${upstreamPort}` }),
    },
  },
);
const client = await connectBus({ url: nats.url, name: 'bench-client' });
const { sentinels } = await eventually('the egress to answer egress.session-open.v1', () =>
  busRequest(client, EgressSessionOpen, { sessionId: 'sess-bench' }, { timeoutMs: 500 }),
);
const proxyUrl = `http://127.0.0.1:${egressPort}`;
const egressCa = await readFile(join(home, 'ca', 'ca.cert.pem'), 'utf8');

const body = JSON.stringify({
  model: 'claude-bench',
  max_tokens: 8,
  messages: [{ role: 'user', content: 'hi' }],
});
const agentOptions = { keepAlive: true, maxSockets: concurrency, scheduling: 'lifo' as const };
const directAgent = new HttpsAgent({ ...agentOptions, ca: upstreamAuthority.certificatePem });
const forwardAgent = new TunnelAgent(proxyUrl, egressCa, agentOptions);
const reverseAgent = new HttpAgent(agentOptions);

type Path = 'direct' | 'forward' | 'reverse';
/** One request; resolves with [ms to first body byte, ms to end]. */
const send = (path: Path, isStream: boolean): Promise<[number, number]> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const headers = {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': path === 'direct' ? 'sk-ant-real-bench' : (sentinels['anthropic'] ?? ''),
      'content-length': String(Buffer.byteLength(body)),
      ...(isStream ? { 'x-bench-stream': '1' } : {}),
    };
    const onResponse = (response: IncomingMessage): void => {
      let firstAt = 0;
      response.on('data', () => (firstAt ||= performance.now()));
      response.on('end', () => resolve([firstAt - started, performance.now() - started]));
      response.on('error', reject);
    };
    const outgoing =
      path === 'reverse'
        ? httpRequest(
            {
              agent: reverseAgent,
              host: '127.0.0.1',
              port: egressPort,
              path: '/anthropic/v1/messages',
              method: 'POST',
              headers,
            },
            onResponse,
          )
        : httpsRequest(
            path === 'direct'
              ? {
                  agent: directAgent,
                  host: '127.0.0.1',
                  port: upstreamPort,
                  servername: 'api.anthropic.com',
                  path: '/v1/messages',
                  method: 'POST',
                  headers,
                }
              : {
                  agent: forwardAgent,
                  host: 'api.anthropic.com',
                  port: 443,
                  path: '/v1/messages',
                  method: 'POST',
                  headers,
                },
            onResponse,
          );
    outgoing.on('error', reject);
    outgoing.end(body);
  });

const samples: Record<string, number[]> = {};
const record = (name: string, value: number): void => void (samples[name] ??= []).push(value * 1000);
const paths: Path[] = ['direct', 'forward', 'reverse'];
for (const path of paths) for (let index = 0; index < 300; index += 1) await send(path, index % 2 === 0);
// Interleaved rounds, so drift in machine load hits every path alike.
for (let round = 0; round < rounds; round += 1) {
  for (const path of paths) {
    for (let index = 0; index < iterations / rounds; index += 1)
      record(`${path}.request`, (await send(path, false))[1]);
    for (let index = 0; index < iterations / rounds / 2; index += 1)
      record(`${path}.ttfc`, (await send(path, true))[0]);
  }
}

const throughput = async (path: Path): Promise<number> => {
  let completed = 0;
  const deadline = performance.now() + throughputMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await send(path, false);
        completed += 1;
      }
    }),
  );
  return Math.round((completed / (performance.now() - started)) * 1000);
};
const requestsPerSecond: Record<string, number> = {};
for (const path of paths) requestsPerSecond[path] = await throughput(path);

const round2 = (value: number): number => Math.round(value * 100) / 100;
const summarize = (name: string) => {
  const sorted = [...(samples[name] ?? [])].sort((a, b) => a - b);
  const at = (quantile: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0;
  return { samples: sorted.length, p50Us: round2(at(0.5)), p99Us: round2(at(0.99)) };
};
const added = (metric: string, path: Path) => {
  const proxied = summarize(`${path}.${metric}`);
  const direct = summarize(`direct.${metric}`);
  return {
    p50Ms: round2((proxied.p50Us - direct.p50Us) / 1000),
    p99Ms: round2((proxied.p99Us - direct.p99Us) / 1000),
  };
};
const latencyAdded = { forward: added('request', 'forward'), reverse: added('request', 'reverse') };
const ttfcAdded = { forward: added('ttfc', 'forward'), reverse: added('ttfc', 'reverse') };
const worst = (values: { p50Ms: number }[]) => Math.max(...values.map((value) => value.p50Ms));
console.log(
  JSON.stringify(
    {
      bench: 'egress',
      node: process.versions.node,
      baseline: 'direct HTTPS (kept-alive, verified TLS) to the same upstream, same run',
      request: Object.fromEntries(paths.map((path) => [path, summarize(`${path}.request`)])),
      timeToFirstChunk: Object.fromEntries(paths.map((path) => [path, summarize(`${path}.ttfc`)])),
      addedLatency: latencyAdded,
      addedTimeToFirstChunk: ttfcAdded,
      requestsPerSecond: { concurrency, durationMs: throughputMs, ...requestsPerSecond },
      target: {
        maxAddedP50Ms: 1,
        maxAddedTimeToFirstChunkMs: 2,
        met: worst(Object.values(latencyAdded)) <= 1 && worst(Object.values(ttfcAdded)) <= 2,
      },
    },
    null,
    2,
  ),
);

for (const agent of [directAgent, forwardAgent, reverseAgent]) agent.destroy();
await client.drain();
await stopProcess(egressProcess);
upstreamProcess.stdin?.end();
await stopProcess(upstreamProcess);
await nats.dispose();
await rm(home, { recursive: true, force: true });

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
