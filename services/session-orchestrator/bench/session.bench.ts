// npm run bench:session — what Code Mode costs a session, measured in one run on the real stack (session-stack.ts:
// nats-server, PDP, mcp-gateway with the filesystem MCP server, audit-writer with fsync, escalation-router):
//  - isolate start: a whole `execute` of trivial code (new isolate + context, bridge, compile, run, dispose), what
//    every execution pays; also a bare new isolate + context, and a new context in a warm isolate;
//  - one tool call from inside the isolate, `filesystem.read_text_file({ path })` of a 1 KB sandbox file: the sync
//    tool function → code-mode's bridge → this service's tool bridge (src/domain/tool-bridge.ts) → pdp.toolcall.v1 →
//    PDP → audit-writer → gateway → filesystem server → reply → back into the isolate;
//  - baselines, same run, interleaved in small blocks: the same pdp.toolcall.v1 sent directly on the bus (no
//    isolate), and the same read as a direct MCP SDK call to a filesystem server of the same package;
//  - container start (container-start.ts): an external agent's batch turn (Claude Code, in a container made exactly
//    as a session's) from `run()` to its first model request at a stand-in egress, interleaved with the isolate
//    starts and with a bare container of the same image running `true`. Skipped (and a failure under CI=true) when
//    no Docker engine answers; the images are built first when missing.
// Prints one JSON object (session-summary.ts). Target: isolate start ≤5 ms p50 (a miss is reported, not a failure).
// Workspace packages load from dist: `npx tsc -b` first. Bounded (BENCH_TIME_LIMIT_MS); every process and temp
// folder is removed.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import ivm from 'isolated-vm';
import { request } from '@ironcurtain/bus';
import { AuditVerify } from '@ironcurtain/proto-schemas';
import { eventually } from '@ironcurtain/testing';
import { type ContainerStartBench, prepareContainerStart } from './container-start.ts';
import { createSessionCallers, type SessionCallers } from './session-callers.ts';
import { type SessionStack, startSessionStack } from './session-stack.ts';
import { buildSessionSummary, type SessionTimings } from './session-summary.ts';

const positive = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, not ${value}`);
  return value;
};
const rounds = positive('BENCH_ROUNDS', 5);
const callsPerRound = positive('BENCH_ITERATIONS', 200);
const startsPerRound = positive('BENCH_STARTS', 100);
const timeLimitMs = positive('BENCH_TIME_LIMIT_MS', 600_000);
const containerStarts = positive('BENCH_CONTAINER_STARTS', 10);
const isCi = process.env['CI'] === 'true';
const blockSize = 10;
const sessionId = 'bench-session';
const log = (message: string) => process.stderr.write(`${message}\n`);

// A signal or a run past the time limit fails whatever is in flight and the normal clean-up runs; if even that
// hangs, every process is killed outright.
const stopping = new AbortController();
let stack: SessionStack | undefined;
let containers: ContainerStartBench | undefined;
let containersSkipped: string | undefined;
const stopRun = (reason: string, exitCode: number) => {
  if (stopping.signal.aborted) return;
  log(reason);
  process.exitCode = exitCode;
  stopping.abort(new Error(reason));
  setTimeout(() => {
    stack?.kill();
    containers?.kill();
    process.kill(process.pid, 'SIGKILL');
  }, 20_000).unref();
};
setTimeout(
  () => stopRun(`ran past BENCH_TIME_LIMIT_MS (${timeLimitMs} ms); stopping`, 1),
  timeLimitMs,
).unref();
process.once('SIGINT', () => stopRun('SIGINT: stopping', 130));
process.once('SIGTERM', () => stopRun('SIGTERM: stopping', 143));

const loadAtStart = loadavg()[0] ?? 0;
const timings: SessionTimings = {
  execute: [],
  isolateAndContext: [],
  contextInWarmIsolate: [],
  fromIsolate: [],
  crossings: [],
  directBus: [],
  directMcp: [],
  executeOneCall: [],
  containerStart: [],
  bareContainer: [],
};
const warmIsolate = new ivm.Isolate({ memoryLimit: 128 });
let callers: SessionCallers | undefined;
try {
  // Images are built (when missing) before anything is timed.
  const setup = await prepareContainerStart({
    dockerHost: process.env['DOCKER_HOST'],
    signal: stopping.signal,
    log,
  });
  if ('skipped' in setup) {
    containersSkipped = setup.skipped;
    log(`container start skipped: ${setup.skipped}`);
  } else {
    containers = setup.bench;
  }
  stopping.signal.throwIfAborted();
  log('starting nats-server, audit-writer, policy-decision-point, mcp-gateway, escalation-router…');
  stack = await startSessionStack(sessionId);
  stopping.signal.throwIfAborted();
  const file = join(stack.sandbox, 'notes.md');
  const content = '# notes\n' + 'a line of notes for the benchmark\n'.repeat(30);
  writeFileSync(file, content);
  const userMessage = 'Summarise notes.md';
  callers = await createSessionCallers({ stack, file, content, userMessage, stopping: stopping.signal });
  log('warming up…');
  await measureRound(callers, false, 100, 50, 1);
  // Rounds, and blocks inside them, interleave every side so drift in machine load hits all alike. The container
  // starts are spread over the rounds, each between isolate starts.
  for (let index = 0; index < rounds; index += 1) {
    log(`round ${index + 1}/${rounds}`);
    const containersThisRound =
      Math.floor(((index + 1) * containerStarts) / rounds) - Math.floor((index * containerStarts) / rounds);
    await measureRound(callers, true, callsPerRound, startsPerRound, containersThisRound);
  }
  const auditTrail = await verifyTrail(stack, callers.toolCalls());
  const summary = buildSessionSummary({
    timings,
    loadAtStart,
    sizes: { rounds, startsPerRound, callsPerRound, blockSize, containerStarts },
    containers,
    containersSkipped,
    auditTrail,
  });
  console.log(JSON.stringify(summary, null, 2));
  if (containersSkipped !== undefined && isCi) {
    log('CI=true: the container start must be measured, and Docker is not reachable');
    process.exitCode = 1;
  }
} catch (error) {
  if (!stopping.signal.aborted) {
    log(`bench:session failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  }
} finally {
  await callers?.close();
  warmIsolate.dispose();
  await containers?.close();
  await stack?.stop();
}

async function measureRound(
  callers: SessionCallers,
  record: boolean,
  calls: number,
  starts: number,
  containerPairs: number,
) {
  const into = (samples: number[]) => (record ? samples : undefined);
  let pairsDone = 0;
  for (let index = 0; index < starts; index += 1) {
    // Container pairs spread evenly over this round's isolate starts, alternating which of the two goes first.
    while (containers !== undefined && pairsDone < Math.ceil(((index + 1) * containerPairs) / starts)) {
      await measureContainerPair(containers, record, pairsDone % 2 === 0);
      pairsDone += 1;
    }
    await time(into(timings.execute), () => callers.executeTrivialCode());
    let isolate: ivm.Isolate | undefined;
    await time(into(timings.isolateAndContext), async () => {
      isolate = new ivm.Isolate({ memoryLimit: 128 });
      await isolate.createContext();
    });
    isolate?.dispose();
    let context: ivm.Context | undefined;
    await time(into(timings.contextInWarmIsolate), async () => {
      context = await warmIsolate.createContext();
    });
    context?.release();
  }
  for (let done = 0, block = 0; done < calls; done += blockSize, block += 1) {
    const size = Math.min(blockSize, calls - done);
    const fromIsolate = async () => {
      stopping.signal.throwIfAborted();
      const measured = await callers.callFromIsolate(size);
      into(timings.fromIsolate)?.push(...measured.periods);
      into(timings.crossings)?.push(...measured.crossings);
    };
    const directBus = () => repeat(size, into(timings.directBus), () => callers.callDirectBus());
    await repeat(size, into(timings.directMcp), () => callers.callDirectMcp());
    // Alternate which goes first, so neither always follows the other.
    for (const measure of block % 2 === 0 ? [directBus, fromIsolate] : [fromIsolate, directBus])
      await measure();
  }
  await repeat(Math.ceil(calls / 4), into(timings.executeOneCall), () => callers.executeOneCall());
}

async function measureContainerPair(bench: ContainerStartBench, record: boolean, isSessionFirst: boolean) {
  const session = async () => {
    stopping.signal.throwIfAborted();
    const sample = await bench.startToFirstRequest();
    if (record) timings.containerStart.push(sample);
  };
  const bare = async () => {
    stopping.signal.throwIfAborted();
    const elapsed = await bench.bareContainer();
    if (record) timings.bareContainer.push(elapsed);
  };
  for (const measure of isSessionFirst ? [session, bare] : [bare, session]) await measure();
}

/** The audit-writer's chain check of the session trail: a decision and an outcome record per executed call. */
async function verifyTrail(stack: SessionStack, calls: number) {
  // Outcome records are appended while the reply goes back, so the last few may still be on their way.
  const isComplete = async () => {
    const trail = await request(stack.bus, AuditVerify, { sessionId }, { timeoutMs: 30_000 });
    if (!trail.isValid)
      throw new Error(`audit trail invalid: ${trail.problem ?? trail.tampering ?? 'unknown'}`);
    return trail.records >= 2 * calls
      ? { records: trail.records, isValid: trail.isValid, toolCalls: calls }
      : undefined;
  };
  return eventually(`the audit trail to hold ${2 * calls} valid records`, isComplete, 15_000, 200);
}

async function repeat(
  count: number,
  into: number[] | undefined,
  work: () => Promise<unknown>,
): Promise<void> {
  for (let index = 0; index < count; index += 1) await time(into, work);
}

async function time(into: number[] | undefined, work: () => Promise<unknown>): Promise<void> {
  stopping.signal.throwIfAborted();
  const started = performance.now();
  await work();
  into?.push(performance.now() - started);
}
