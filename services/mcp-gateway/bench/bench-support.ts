// Pieces of `npm run bench:gateway`: the direct baseline, the bare NATS baseline (a plain request/reply between two
// processes), the decision-token cost, the latency and throughput loops, and the services' own $SRV.STATS.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createUser } from '@nats-io/nkeys';
import { Svcm } from '@nats-io/services';
import type { Bus } from '@ironcurtain/bus';
import {
  createDecisionSigner,
  createDecisionVerifier,
  createMemoryNonceStore,
} from '@ironcurtain/decision-token';
import { eventually, summarizeLatencies } from '@ironcurtain/testing';

/** A filesystem MCP server of the same package, spoken to directly with the MCP SDK: what a call costs bare. */
export async function startDirectServer(sandbox: string): Promise<Client> {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('@modelcontextprotocol/server-filesystem/package.json'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(packageDir, 'dist', 'index.js'), sandbox],
    cwd: sandbox,
    stderr: 'ignore',
  });
  const direct = new Client({ name: 'bench-direct', version: '0.1.0' }, { capabilities: {} });
  await direct.connect(transport);
  await direct.listTools();
  return direct;
}

/** The subject the bare responder answers on: plain NATS, no schema, no envelope. */
export const bareSubject = 'bench.bare.echo';

/**
 * A second process that answers every request on {@link bareSubject} with its payload: the floor any request/reply
 * between two processes pays on this machine, measured in the same run.
 */
export async function startBareResponder(
  repository: string,
  natsUrl: string,
  client: Bus,
): Promise<ChildProcess> {
  const script = [
    "import { connect } from '@nats-io/transport-node';",
    `const connection = await connect({ servers: ${JSON.stringify(natsUrl)}, name: 'bench-bare-responder' });`,
    `connection.subscribe(${JSON.stringify(bareSubject)}, { callback: (_error, message) => message.respond(message.data) });`,
    "await connection.flush(); process.stdout.write('ready\\n');",
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repository,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await eventually(
    'the bare responder to answer',
    async () => {
      try {
        await client.connection.request(bareSubject, new Uint8Array(8), { timeout: 300 });
        return true;
      } catch {
        return false;
      }
    },
    20_000,
  );
  return child;
}

/** Runs `call` `count` times one after another, pushing each latency (ms) into `into` when given. */
export async function measure(
  into: number[] | undefined,
  count: number,
  call: () => Promise<void>,
): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await call();
    into?.push(performance.now() - started);
  }
}

/** Calls per second with `concurrency` callers for `windowMs`. */
export async function throughput(
  call: () => Promise<void>,
  concurrency: number,
  windowMs: number,
): Promise<number> {
  let completed = 0;
  const deadline = performance.now() + windowMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await call();
        completed += 1;
      }
    }),
  );
  return Math.round(completed / ((performance.now() - started) / 1000));
}

/**
 * Each endpoint's handled count and total time from arrival to reply (ms) over every instance of every service: the
 * `data` libs/bus reports in $SRV.STATS.
 */
export async function endpointTotals(
  client: Bus,
): Promise<Map<string, { requests: number; totalMs: number }>> {
  const stats = new Svcm(client.connection).client({ strategy: 'timer', maxWait: 500 });
  const totals = new Map<string, { requests: number; totalMs: number }>();
  for await (const service of await stats.stats()) {
    for (const endpoint of service.endpoints ?? []) {
      const data = endpoint.data as { handled?: number; handledMs?: number } | null | undefined;
      const name = `${service.name}:${endpoint.subject.replace(/\.[0-9a-f-]{36}$/, '.<instance>')}`;
      const total = totals.get(name) ?? { requests: 0, totalMs: 0 };
      total.requests += data?.handled ?? 0;
      total.totalMs += data?.handledMs ?? 0;
      totals.set(name, total);
    }
  }
  return totals;
}

/** The mean handler time (ms) of each endpoint between two snapshots, keyed as `service:subject`. */
export function meanHandlerMs(
  before: Map<string, { requests: number; totalMs: number }>,
  after: Map<string, { requests: number; totalMs: number }>,
): Record<string, number> {
  const means: Record<string, number> = {};
  for (const [name, total] of after) {
    const earlier = before.get(name) ?? { requests: 0, totalMs: 0 };
    const requests = total.requests - earlier.requests;
    if (requests > 0) means[name] = Math.round(((total.totalMs - earlier.totalMs) / requests) * 1000) / 1000;
  }
  return means;
}

/** What one decision costs to sign (PDP) and verify (gateway), and the bare node:crypto Ed25519 work for comparison. */
export async function measureDecisionToken(sessionId: string) {
  const signer = createDecisionSigner(createUser());
  const instanceId = randomUUID();
  const verify = createDecisionVerifier({
    trustedSigners: [signer.publicKey],
    nonceStore: createMemoryNonceStore(),
    expectedAudience: instanceId,
  });
  const subject = {
    callId: 'c',
    sessionId,
    serverName: 'filesystem',
    toolName: 'read_file',
    argsHash: 'a'.repeat(64),
    decision: 'allow' as const,
    policyHash: '',
    audience: instanceId,
  };
  const signing: number[] = [];
  const verifying: number[] = [];
  for (let index = 0; index < 250; index += 1) {
    let started = performance.now();
    const decision = signer.sign(subject);
    signing.push(performance.now() - started);
    started = performance.now();
    const verdict = await verify(decision, subject);
    verifying.push(performance.now() - started);
    if (!verdict.isValid) throw new Error('the decision did not verify');
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const payload = Buffer.from(JSON.stringify({ ...subject, nonce: randomUUID(), issuedAt: 0, expiresAt: 0 }));
  const nodeSigning: number[] = [];
  const nodeVerifying: number[] = [];
  for (let index = 0; index < 2000; index += 1) {
    let started = performance.now();
    const signature = cryptoSign(null, payload, privateKey);
    nodeSigning.push(performance.now() - started);
    started = performance.now();
    if (!cryptoVerify(null, payload, publicKey, signature)) throw new Error('node:crypto did not verify');
    nodeVerifying.push(performance.now() - started);
  }
  // The first ones of each are warm-up.
  return {
    signP50Ms: summarizeLatencies(signing.slice(50)).p50Ms,
    verifyP50Ms: summarizeLatencies(verifying.slice(50)).p50Ms,
    nodeCryptoEd25519: {
      signP50Ms: summarizeLatencies(nodeSigning.slice(200)).p50Ms,
      verifyP50Ms: summarizeLatencies(nodeVerifying.slice(200)).p50Ms,
    },
  };
}

/** The goals of issue 21, as ratios measured in one run. */
const targets = {
  overheadOverBareNatsP50: 4,
  overheadOverBareNatsP99: 10,
  throughputOverDirect16: 0.4,
  replicaScaling: 1.5,
};

// Two replicas of two services, the audit-writer, nats-server and the load: fewer cores than this and the replica
// figure says nothing about the services.
const coresForReplicaFigure = 6;

/** Each ratio against its target: met or not, and whether the replica figure means anything on this many cores. */
export function targetVerdicts(ratios: Record<keyof typeof targets, number>, cores: number) {
  const isMeaningful = cores >= coresForReplicaFigure;
  return {
    overheadOverBareNatsP50: {
      max: targets.overheadOverBareNatsP50,
      met: ratios.overheadOverBareNatsP50 <= targets.overheadOverBareNatsP50,
    },
    overheadOverBareNatsP99: {
      max: targets.overheadOverBareNatsP99,
      met: ratios.overheadOverBareNatsP99 <= targets.overheadOverBareNatsP99,
    },
    throughputOverDirect16: {
      min: targets.throughputOverDirect16,
      met: ratios.throughputOverDirect16 >= targets.throughputOverDirect16,
    },
    replicaScaling: {
      min: targets.replicaScaling,
      met: ratios.replicaScaling >= targets.replicaScaling,
      isMeaningful,
      ...(isMeaningful
        ? {}
        : { why: `${cores} cores: the replicas, the audit-writer, nats-server and the load share them` }),
    },
  };
}
