// npm run bench:audit — audit.append.v1 through the real audit-writer (its built dist/, as its own process) with an
// fsync before every reply: sequential, then 16 concurrent writers on one session and on 16 sessions, against the
// same-run baseline of a bare write+fsync per record on the same disk; then hash-chain verification speed. The three
// ways of writing run in interleaved rounds. Prints one JSON object. Target: 16 concurrent writers on one session
// reach at least 5× the sequential rate (group commit).
// Workspace packages load from dist: `npx tsc -b services/audit-writer`.
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { verifyAuditTrail } from '@ironcurtain/audit-trail';
import { connectBus, request } from '@ironcurtain/bus';
import { AuditAppend } from '@ironcurtain/proto-schemas';
import { eventually, startNats, stopProcess } from '@ironcurtain/testing';

const windowMs = Number(process.env['BENCH_WINDOW_MS'] ?? 1000);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 4);
const concurrency = 16;
const minSpeedup = 5;
const loadAtStart = loadavg()[0] ?? 0;

const home = await mkdtemp(join(tmpdir(), 'ironcurtain-audit-bench-'));
const nats = await startNats({ jetstream: false });
const writer = spawn(process.execPath, [fileURLToPath(new URL('../dist/index.js', import.meta.url))], {
  env: { NATS_URL: nats.url, IRONCURTAIN_HOME: home, LOG_LEVEL: 'warn', PATH: process.env['PATH'] ?? '' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const client = await connectBus({ url: nats.url, name: 'audit-bench' });

let callNumber = 0;
const recordFor = (sessionId: string) => {
  callNumber += 1;
  return {
    kind: 'decision' as const,
    timestamp: new Date().toISOString(),
    requestId: `call-${callNumber}`,
    sessionId,
    userId: 'bench',
    serverName: 'filesystem',
    toolName: 'read_file',
    arguments: { path: `/home/user/project/src/file-${callNumber}.ts`, encoding: 'utf8' },
    policyDecision: {
      status: 'allow' as const,
      rule: 'structural-sandbox-allow',
      reason: 'inside the sandbox',
    },
    policyHash: 'a'.repeat(64),
  };
};
const appendOne = (sessionId: string) =>
  request(client, AuditAppend, { record: recordFor(sessionId) }, { timeoutMs: 10_000 });

/** Appends and time of one way of writing, summed over the rounds. */
interface Tally {
  latencies: number[];
  seconds: number;
}

/** Runs `workers` loops for one window, each appending one record after another; adds to `tally` (latencies in µs). */
async function measure(tally: Tally, workers: number, sessionOf: (worker: number) => string): Promise<void> {
  const deadline = performance.now() + windowMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < deadline) {
        const begin = performance.now();
        await appendOne(sessionOf(worker));
        tally.latencies.push((performance.now() - begin) * 1000);
      }
    }),
  );
  tally.seconds += (performance.now() - started) / 1000;
}

function summarize(tally: Tally) {
  return {
    appends: tally.latencies.length,
    appendsPerSecond: round(tally.latencies.length / tally.seconds),
    ...percentiles(tally.latencies),
  };
}

/** The floor: one write and one fsync per record, in this process, on the same disk. */
async function bareFsync() {
  const handle = await open(join(home, 'bare.jsonl'), 'a');
  const line = Buffer.from(
    `${JSON.stringify({ ...recordFor('bare'), seq: 0, prevHash: '0'.repeat(64), hash: 'f'.repeat(64) })}\n`,
  );
  const latencies: number[] = [];
  const deadline = performance.now() + windowMs * rounds;
  while (performance.now() < deadline) {
    const begin = performance.now();
    await handle.write(line);
    await handle.sync();
    latencies.push((performance.now() - begin) * 1000);
  }
  await handle.close();
  return {
    writesPerSecond: round(latencies.length / ((windowMs * rounds) / 1000)),
    ...percentiles(latencies),
  };
}

function empty(): Tally {
  return { latencies: [], seconds: 0 };
}

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (quantile: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0;
  return { p50Us: round(at(0.5)), p99Us: round(at(0.99)) };
}

function round(value: number) {
  return Math.round(value * 100) / 100;
}

async function verificationSpeed(sessionId: string) {
  const bytes = await readFile(join(home, 'sessions', sessionId, 'audit.jsonl'));
  await verifyAuditTrail([bytes]);
  const started = performance.now();
  const result = await verifyAuditTrail([bytes]);
  const seconds = (performance.now() - started) / 1000;
  if (!result.isValid) throw new Error(`the ${sessionId} trail does not verify: ${result.problem?.problem}`);
  return {
    records: result.records,
    megabytes: round(bytes.length / 1e6),
    recordsPerSecond: round(result.records / seconds),
  };
}

let exitCode = 1;
try {
  await eventually('the audit-writer', () => appendOne('warmup').catch(() => undefined), 15_000);
  for (let index = 0; index < 500; index += 1) await appendOne('warmup');
  const baseline = await bareFsync();
  const tallies = { sequential: empty(), sameSession: empty(), manySessions: empty() };
  // Interleaved rounds, so drift in the machine's load hits every way of writing alike.
  for (let round = 0; round < rounds; round += 1) {
    await measure(tallies.sequential, 1, () => 'sequential');
    await measure(tallies.sameSession, concurrency, () => 'concurrent');
    await measure(tallies.manySessions, concurrency, (worker) => `concurrent-${worker}`);
  }
  const sequential = summarize(tallies.sequential);
  const sameSession = summarize(tallies.sameSession);
  const manySessions = summarize(tallies.manySessions);
  const speedup = round(sameSession.appendsPerSecond / sequential.appendsPerSecond);
  const speedupSessions = round(manySessions.appendsPerSecond / sequential.appendsPerSecond);
  console.log(
    JSON.stringify(
      {
        bench: 'audit',
        node: process.versions.node,
        loadAverageAtStart: round(loadAtStart),
        windowMs,
        rounds,
        baseline: { what: 'one write + fsync per record, in-process, same disk, same run', ...baseline },
        sequential,
        concurrent16OneSession: sameSession,
        concurrent16Sessions: manySessions,
        speedup: { oneSession: speedup, sixteenSessions: speedupSessions },
        target: { minSpeedupOneSession: minSpeedup, met: speedup >= minSpeedup },
        verification: await verificationSpeed('concurrent'),
      },
      null,
      2,
    ),
  );
  exitCode = 0;
} finally {
  await client.close();
  await stopProcess(writer);
  await nats.dispose();
  await rm(home, { recursive: true, force: true });
  process.exitCode = exitCode;
}
