// pdp.evaluate.v1 decisions per second over a real nats-server, with one and with two PDP replicas as child processes.
// The policy reaches the replicas the production way (a KV bundle they watch); mcpgw.prepare.v1 is answered here with
// the engine's own canonicalization, as the gateway does. Windows alternate 1, 2, 1, 2 replicas so drift in machine
// load does not favour either count.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createUser } from '@nats-io/nkeys';
import { connectBus, openKeyValue, putJson, request, serve, type Bus } from '@ironcurtain/bus';
import {
  computePolicyHash,
  prepareToolCall,
  type Decision,
  type LoadedPolicy,
  type RawPolicyArtifacts,
} from '@ironcurtain/policy-engine';
import { activePolicyKey, McpgwPrepare, PdpEvaluate, policyBucket } from '@ironcurtain/proto-schemas';
import { startNats } from '@ironcurtain/testing';
import type { BenchWorld } from './bench-world.ts';
import type { Cleanup } from './cleanup.ts';
import type { CorpusEntry } from './corpus.ts';
import { round2 } from './latency.ts';
import {
  cpuSecondsOf,
  machineBusySeconds,
  replicaEnvironment,
  spawnReplica,
  stopReplica,
  waitForReplicas,
  type Replica,
} from './pdp-replicas.ts';

export interface OverNatsOptions {
  world: BenchWorld;
  policy: LoadedPolicy;
  artifacts: RawPolicyArtifacts;
  corpus: readonly CorpusEntry[];
  /** The in-process engine's decision per corpus call: what every replica must answer too. */
  engineDecisions: readonly Decision[];
  concurrency: number;
  windowMs: number;
  warmupMs: number;
  cleanup: Cleanup;
}

export async function measureOverNats(options: OverNatsOptions) {
  const { world, cleanup } = options;
  const nats = await startNats();
  cleanup.add(
    () => nats.dispose(),
    () => {
      if (nats.pid !== undefined) process.kill(nats.pid, 'SIGKILL');
      rmSync(dirname(nats.storeDir), { recursive: true, force: true });
    },
  );
  const client = await connectBus({ url: nats.url, name: 'pdp-bench-client' });
  cleanup.add(() => client.close());
  const kv = await openKeyValue(client, policyBucket, { history: 5 });
  await putJson(kv, activePolicyKey, {
    version: 1,
    policyHash: computePolicyHash(options.artifacts),
    activatedAt: new Date().toISOString(),
    activatedBy: 'pdp-bench',
    ...options.artifacts,
  });
  const gateway = await startPrepareResponder(nats.url, options.policy, world);
  cleanup.add(() => gateway.close());

  const environment = replicaEnvironment(world, nats.url, new TextDecoder().decode(createUser().getSeed()));
  const replicas: Replica[] = [];
  cleanup.add(
    async () => void (await Promise.all(replicas.map(stopReplica))),
    () => replicas.forEach((replica) => replica.child.kill('SIGKILL')),
  );
  const windows: ReplicaWindow[] = [];
  const mismatches: string[] = [];
  for (const count of [1, 2, 1, 2]) {
    while (replicas.length < count) replicas.push(spawnReplica(environment));
    while (replicas.length > count) await stopReplica(replicas.pop() as Replica);
    await waitForReplicas(client, replicas, count);
    // Each window's replicas, the new one included, must answer every corpus call as the engine does.
    mismatches.push(...(await verifyDecisions(client, options)));
    await drive(client, options, options.warmupMs);
    const pids = {
      bench: process.pid,
      nats: nats.pid,
      replicas: replicas.map((replica) => replica.child.pid),
    };
    const before = cpuOf(pids);
    const result = await drive(client, options, options.windowMs);
    const after = cpuOf(pids);
    const cpuCoresUsed = cpuShare(before, after, result.seconds);
    const decisionsPerSecond = result.completed / result.seconds;
    // CPU per decision, to set against the engine's own µs: the rest is bus, schemas and the prepare round trip.
    const perDecision = (cores: number | null | undefined) =>
      cores === null || cores === undefined ? null : Math.round((cores * 1e6) / decisionsPerSecond);
    windows.push({
      replicas: count,
      decisionsPerSecond: Math.round(decisionsPerSecond),
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      errors: result.errors,
      cpuCoresUsed,
      cpuUsPerDecision: {
        benchProcess: perDecision(cpuCoresUsed.benchProcess),
        allReplicas: perDecision(cpuCoresUsed.replicas.reduce<number>((sum, cores) => sum + (cores ?? 0), 0)),
      },
    });
  }
  const mean = (count: number) => {
    const picked = windows.filter((window) => window.replicas === count);
    return Math.round(picked.reduce((sum, window) => sum + window.decisionsPerSecond, 0) / picked.length);
  };
  return {
    subject: PdpEvaluate.subject,
    concurrency: options.concurrency,
    windowSeconds: options.windowMs / 1000,
    decisionsMatchEngine: mismatches.length === 0,
    mismatches: mismatches.slice(0, 5),
    windows,
    oneReplicaDecisionsPerSecond: mean(1),
    twoReplicasDecisionsPerSecond: mean(2),
    twoOverOneReplicas: round2(mean(2) / mean(1)),
  };
}

/** mcpgw.prepare.v1 as the gateway answers it: prepareToolCall (schema check, roles, canonicalization). */
async function startPrepareResponder(url: string, policy: LoadedPolicy, world: BenchWorld): Promise<Bus> {
  const bus = await connectBus({ url, name: 'mcp-gateway' });
  await serve(bus, McpgwPrepare, (prepare) => {
    const call = { serverName: prepare.serverName, toolName: prepare.toolName, arguments: prepare.arguments };
    const annotation = policy.annotations.get(prepare.serverName)?.get(prepare.toolName);
    const prepared = prepareToolCall(
      call,
      { annotation },
      {
        sandboxDir: prepare.sandboxDir,
        homeDir: world.home,
        isContainerSession: false,
      },
    );
    if (!prepared.ok) return { status: 'invalid' as const, reason: prepared.reason };
    return {
      status: 'valid' as const,
      canonicalArguments: prepared.call.arguments,
      argsHash: prepared.argsHash,
      // Dry runs never execute, so no gateway serves this instance's execute subject.
      executor: 'bench-prepare-responder',
    };
  });
  return bus;
}

function evaluateOverBus(client: Bus, options: OverNatsOptions, index: number) {
  const entry = options.corpus[index] as CorpusEntry;
  return request(
    client,
    PdpEvaluate,
    { sessionId: options.world.sessionId, ...entry.raw },
    { timeoutMs: 10_000 },
  );
}

// Every corpus call once: the replicas must decide what the in-process engine decided.
async function verifyDecisions(client: Bus, options: OverNatsOptions): Promise<string[]> {
  const replies = await Promise.all(
    options.corpus.map((_entry, index) => evaluateOverBus(client, options, index)),
  );
  return replies.flatMap((reply, index) =>
    reply.decision === options.engineDecisions[index]
      ? []
      : [
          `${options.corpus[index]?.name}: engine ${options.engineDecisions[index]}, PDP ${reply.decision} (${reply.rule})`,
        ],
  );
}

// N callers, each sending the next corpus call as soon as its previous one is answered, until the deadline.
async function drive(client: Bus, options: OverNatsOptions, durationMs: number) {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const deadline = performance.now() + durationMs;
  const caller = async () => {
    while (performance.now() < deadline) {
      const index = next % options.corpus.length;
      next += 1;
      const started = performance.now();
      try {
        await evaluateOverBus(client, options, index);
        latencies.push(performance.now() - started);
      } catch {
        errors += 1;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, caller));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((left, right) => left - right);
  const at = (quantile: number) => round2(latencies[Math.floor(quantile * latencies.length)] ?? 0);
  return { completed: latencies.length, errors, seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
}

interface ReplicaWindow {
  replicas: number;
  decisionsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpuCoresUsed: ReturnType<typeof cpuShare>;
  cpuUsPerDecision: { benchProcess: number | null; allReplicas: number | null };
}

interface Pids {
  bench: number;
  nats: number | undefined;
  replicas: Array<number | undefined>;
}

function cpuOf(pids: Pids) {
  return {
    machine: machineBusySeconds(),
    bench: cpuSecondsOf(pids.bench),
    nats: cpuSecondsOf(pids.nats),
    replicas: pids.replicas.map(cpuSecondsOf),
  };
}

// Cores busy per process over the window (1 = one core fully used): who saturated.
function cpuShare(before: ReturnType<typeof cpuOf>, after: ReturnType<typeof cpuOf>, seconds: number) {
  const share = (start: number | undefined, end: number | undefined) =>
    start === undefined || end === undefined ? null : round2((end - start) / seconds);
  return {
    // Everything busy on the machine, ours and others': what the processes below could not use was taken.
    wholeMachine: share(before.machine, after.machine),
    benchProcess: share(before.bench, after.bench),
    natsServer: share(before.nats, after.nats),
    replicas: after.replicas.map((end, index) => share(before.replicas[index], end)),
  };
}
