// npm run bench:gateway — one tool call through the whole path: a client's pdp.toolcall.v1 → the PDP (a process) →
// mcpgw.prepare.v1, audit.append.v1 (the real audit-writer, a process, fsync) and mcpgw.execute.v1.<instance id> on
// the gateway (a process) → the real filesystem server → reply. Baselines, same run: a direct MCP SDK client call of
// the same tool on the same file, and a bare NATS request/reply between this process and another one. Then calls/s
// with 16 concurrent callers (both ways), the time each service spends per call ($SRV.STATS), the median call's
// timeline from the bus spans of every process (libs/bus spans.ts), each process's CPU per call under load, and calls/s
// again with two PDP and two gateway replicas. Prints one JSON object. Workspace packages load from dist: `npm run
// build` first.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUser } from '@nats-io/nkeys';
import {
  connectBus,
  openKeyValue,
  pingServices,
  putJson,
  recordedSpans,
  request,
  serve,
} from '@ironcurtain/bus';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { computePolicyHash } from '@ironcurtain/policy-engine';
import {
  activePolicyKey,
  EscalationOpen,
  PdpToolCall,
  policyBucket,
  sessionsBucket,
} from '@ironcurtain/proto-schemas';
import {
  eventually,
  roundMilliseconds,
  startNats,
  stopProcess,
  summarizeLatencies,
} from '@ironcurtain/testing';
import {
  bareSubject,
  endpointTotals,
  meanHandlerMs,
  measure,
  measureDecisionToken,
  startBareResponder,
  startDirectServer,
  targetVerdicts,
  throughput,
} from './bench-support.ts';
import { medianTimeline, perLegOf, readSpans, withTotal } from './call-timeline.ts';
import { cpuMeter, descendantsOf } from './process-cpu.ts';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
const perRound = Number(process.env['BENCH_ITERATIONS'] ?? 300);
const windowMs = Number(process.env['BENCH_WINDOW_MS'] ?? 3000);
const concurrency = 16;
// BENCH_PROFILE_DIR=/tmp/prof: the services write V8 CPU profiles there (node --cpu-prof) when they stop.
const profileDirectory = process.env['BENCH_PROFILE_DIR'];
// BENCH_LOG_LEVEL=info: the services log every handled message (with durationMs) to stderr.
const childLogLevel = process.env['BENCH_LOG_LEVEL'] ?? 'warn';
const repository = fileURLToPath(new URL('../../../', import.meta.url));
// How busy the machine was before this run started anything: a figure from a loaded machine says little.
const loadAverageAtStart = loadavg()[0] ?? 0;
const log = (message: string) => process.stderr.write(`${message}\n`);

const children: ChildProcess[] = [];
const root = realpathSync(mkdtempSync(join(tmpdir(), 'mcpgw-bench-')));
let cleaned = false;
const lastResort = () => {
  for (const child of children) child.kill('SIGKILL');
  if (!cleaned) rmSync(root, { recursive: true, force: true });
};
process.once('exit', lastResort);

// Every process notes its bus messages (libs/bus spans.ts); the services write them when they exit.
const spansDirectory = join(root, 'spans');
const nats = await startNats();
const home = join(root, 'home');
const sessionId = 'bench';
const sandbox = join(home, 'sessions', sessionId, 'sandbox');
mkdirSync(sandbox, { recursive: true });
const file = join(sandbox, 'notes.md');
writeFileSync(file, '# notes\n' + 'a line of notes for the benchmark\n'.repeat(30));
const mcpConfig = join(root, 'mcp-servers.json');
const filesystemArgs = ['-y', '@modelcontextprotocol/server-filesystem@2026.8.31', '${IRONCURTAIN_SANDBOX}'];
writeFileSync(mcpConfig, JSON.stringify({ filesystem: { command: 'npx', args: filesystemArgs } }));

const client = await connectBus({ url: nats.url, name: 'bench-client', spansDirectory });
const responders = await connectBus({ url: nats.url, name: 'bench-responders' });
try {
  await activateShippedPolicy();
  // The session's record, as the orchestrator writes it when a session starts (the PDP reads its sandbox from it).
  await putJson(await openKeyValue(client, sessionsBucket, { history: 1 }), sessionId, { sessionId });
  await serve(responders, EscalationOpen, () => ({ ticketId: 't', status: 'denied' as const }));

  const pdpKey = createUser();
  const common = {
    PATH: process.env['PATH'] ?? '',
    NATS_URL: nats.url,
    IRONCURTAIN_HOME: home,
    LOG_LEVEL: childLogLevel,
    IRONCURTAIN_BUS_SPANS_DIR: spansDirectory,
  };
  const startPdp = () =>
    start('services/policy-decision-point/dist/index.js', {
      ...common,
      PDP_SIGNING_SEED: new TextDecoder().decode(pdpKey.getSeed()),
      PDP_PROTECTED_CWD: root,
      // The same call over and over is what a benchmark does; the breaker would stop it after 20.
      PDP_BREAKER_MAX_IDENTICAL_CALLS: '100000000',
    });
  const startGateway = () =>
    start('services/mcp-gateway/dist/index.js', {
      ...common,
      IRONCURTAIN_MCP_CONFIG: mcpConfig,
      MCPGW_TRUSTED_PDP_KEYS: pdpKey.getPublicKey(),
    });
  const writer = start('services/audit-writer/dist/index.js', common);
  const pdp = startPdp();
  const gateway = startGateway();
  for (const name of ['audit-writer', 'policy-decision-point', 'mcp-gateway']) await waitForService(name, 1);
  children.push(await startBareResponder(repository, nats.url, client));

  const direct = await startDirectServer(sandbox);
  let callNumber = 0;
  const readCall = { sessionId, serverName: 'filesystem', toolName: 'read_file', arguments: { path: file } };
  const callDirect = async () => {
    const result = await direct.callTool({ name: 'read_file', arguments: { path: file } });
    if (result.isError === true) throw new Error('direct read failed');
  };
  const callThroughPdp = async () => {
    callNumber += 1;
    const payload = { callId: `b${callNumber}`, ...readCall };
    const reply = await request(client, PdpToolCall, payload, { timeoutMs: 10_000 });
    if (reply.outcome !== 'executed' || reply.isError === true)
      throw new Error(`not executed: ${reply.message}`);
  };
  const bare = new Uint8Array(256);
  const callBare = async () => void (await client.connection.request(bareSubject, bare, { timeout: 5000 }));

  log('warming up…');
  await measure(undefined, 200, callBare);
  await measure(undefined, 200, callDirect);
  await measure(undefined, 200, callThroughPdp);
  const samples = { bare: [] as number[], direct: [] as number[], full: [] as number[] };
  const statsBefore = await endpointTotals(client);
  const roundsStartedAt = Date.now();
  // Interleaved rounds so drift in machine load hits every side alike.
  for (let round = 0; round < rounds; round += 1) {
    log(`round ${round + 1}/${rounds}`);
    await measure(samples.bare, perRound, callBare);
    await measure(samples.direct, perRound, callDirect);
    await measure(samples.full, perRound, callThroughPdp);
  }
  const roundsEndedAt = Date.now();
  const handlerMs = meanHandlerMs(statsBefore, await endpointTotals(client));
  log(`throughput, ${concurrency} callers, ${windowMs} ms each`);
  // Every process this run started except the direct server: the services (with their servers), the bare responder.
  const started = children.map((child) => child.pid ?? 0);
  const notDirect = new Set([...started, ...started.flatMap(descendantsOf), nats.pid ?? 0]);
  const directMeter = cpuMeter({
    'bench client': () => [process.pid],
    'filesystem MCP server': () => descendantsOf(process.pid).filter((pid) => !notDirect.has(pid)),
  });
  const directThroughput = await throughput(callDirect, concurrency, windowMs);
  const directCpu = directMeter.perCallMs((directThroughput * windowMs) / 1000);
  const fullMeter = cpuMeter({
    'bench client': () => [process.pid],
    'policy-decision-point': () => [pdp.pid ?? 0],
    'mcp-gateway': () => [gateway.pid ?? 0],
    "filesystem MCP server (the gateway's)": () => descendantsOf(gateway.pid ?? 0),
    'audit-writer': () => [writer.pid ?? 0],
    'nats-server': () => [nats.pid ?? 0],
  });
  const fullThroughput = await throughput(callThroughPdp, concurrency, windowMs);
  const fullCpu = fullMeter.perCallMs((fullThroughput * windowMs) / 1000);
  log('a second PDP and a second gateway');
  startPdp();
  startGateway();
  for (const name of ['policy-decision-point', 'mcp-gateway']) await waitForService(name, 2);
  await measure(undefined, 200, callThroughPdp);
  const twoReplicaThroughput = await throughput(callThroughPdp, concurrency, windowMs);
  await direct.close();
  // The services write their spans when they exit.
  await Promise.all(children.map((child) => stopProcess(child)));
  const timeline = medianTimeline(readSpans(spansDirectory, recordedSpans()), {
    client: 'bench-client',
    subject: PdpToolCall.subject,
    fromMs: roundsStartedAt,
    toMs: roundsEndedAt,
  });

  log('decision-token sign and verify, in this process');
  const tokenCost = await measureDecisionToken(sessionId);

  const bareStats = summarizeLatencies(samples.bare);
  const directStats = summarizeLatencies(samples.direct);
  const fullStats = summarizeLatencies(samples.full);
  const overheadP50Ms = roundMilliseconds(fullStats.p50Ms - directStats.p50Ms);
  const overheadP99Ms = roundMilliseconds(fullStats.p99Ms - directStats.p99Ms);
  const ratio = (value: number) => Math.round(value * 100) / 100;
  const ratios = {
    overheadOverBareNatsP50: ratio(overheadP50Ms / bareStats.p50Ms),
    overheadOverBareNatsP99: ratio(overheadP99Ms / bareStats.p99Ms),
    throughputOverDirect16: ratio(fullThroughput / directThroughput),
    replicaScaling: ratio(twoReplicaThroughput / fullThroughput),
  };
  const cores = cpus().length;
  console.log(
    JSON.stringify(
      {
        bench: 'gateway',
        node: process.versions.node,
        cpus: cores,
        loadAverageAtStart: roundMilliseconds(loadAverageAtStart),
        loadAverageAtEnd: roundMilliseconds(loadavg()[0] ?? 0),
        path: 'pdp.toolcall.v1 → PDP process → mcpgw.prepare, audit.append (audit-writer process, fsync), mcpgw.execute → gateway process → filesystem server (stdio)',
        baseline: 'direct MCP SDK client → a filesystem server of the same package, same sandbox, same run',
        call: 'read_file of a 1 KB file in the session sandbox (shipped policy: structural-sandbox-allow)',
        bareNats: {
          ...bareStats,
          what: 'a 256-byte NATS request/reply between this process and another, same run',
        },
        direct: directStats,
        fullPath: fullStats,
        overheadP50Ms,
        overheadP99Ms,
        ratios,
        targets: targetVerdicts(ratios, cores),
        // Mean time inside each handler over the latency rounds ($SRV.STATS deltas), per call: the PDP's includes the
        // requests it makes; what the PDP's handler does not explain of the full path is the client's bus legs.
        perLeg: { ...perLegOf(handlerMs, fullStats.meanMs), timeline },
        // CPU per call of each process while 16 callers kept it busy: what bounds calls/s once the cores are full.
        cpuMsPerCall: { fullPath: withTotal(fullCpu), direct: withTotal(directCpu) },
        throughput: {
          concurrency,
          windowMs,
          directCallsPerSecond: directThroughput,
          fullPathCallsPerSecond: fullThroughput,
          twoReplicasCallsPerSecond: twoReplicaThroughput,
        },
        decisionToken: tokenCost,
        note:
          'each call is signed once (PDP) and verified once (gateway) by @ironcurtain/decision-token; the decision ' +
          'record is awaited (fsync) before the call runs, the outcome record is appended just after the reply',
      },
      null,
      2,
    ),
  );
} finally {
  await Promise.all(children.map((child) => stopProcess(child)));
  await Promise.all([client.close(), responders.close()]);
  await nats.dispose();
  rmSync(root, { recursive: true, force: true });
  cleaned = true;
}

function start(entry: string, env: Record<string, string>): ChildProcess {
  const profiling =
    profileDirectory === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`];
  const child = spawn(process.execPath, [...profiling, join(repository, entry)], {
    env,
    stdio: ['ignore', childLogLevel === 'warn' ? 'ignore' : 'inherit', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  children.push(child);
  return child;
}

async function waitForService(name: string, instances: number): Promise<void> {
  const answered = async () => (await pingServices(client, name, 300)).length >= instances;
  await eventually(`${instances} ${name} to answer $SRV.PING (is it built? npm run build)`, answered, 20_000);
}

async function activateShippedPolicy(): Promise<void> {
  const read = (name: string): unknown => JSON.parse(readFileSync(join(defaultPolicyDir, name), 'utf8'));
  const artifacts = {
    compiledPolicy: read('compiled-policy.json'),
    toolAnnotations: read('tool-annotations.json'),
    dynamicLists: read('dynamic-lists.json'),
  };
  const kv = await openKeyValue(client, policyBucket, { history: 5 });
  const policyHash = computePolicyHash(artifacts);
  await putJson(kv, activePolicyKey, {
    version: 1,
    policyHash,
    activatedAt: new Date().toISOString(),
    ...artifacts,
  });
}
