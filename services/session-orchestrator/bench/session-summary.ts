// The JSON object bench:session prints: its timings summarised (p50, p99, …), with what each one measured, the ratios
// between them and the isolate start target. A file of its own because it is the bench's output format, apart from
// how the samples are taken (session.bench.ts): changing one should not mean reading through the other.
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { roundMilliseconds, summarizeLatencies } from '@ironcurtain/testing';
import {
  type ContainerStartBench,
  type ContainerStartSample,
  containerStartTask,
} from './container-start.ts';

// A miss is reported in `target.met`, not a failure: the number depends on the machine.
const targetIsolateStartP50Ms = 5;

/** Every sample bench:session records, in ms; filled in by the measuring rounds (warm-up excluded). */
export interface SessionTimings {
  readonly execute: number[];
  readonly isolateAndContext: number[];
  readonly contextInWarmIsolate: number[];
  readonly fromIsolate: number[];
  readonly crossings: number[];
  readonly directBus: number[];
  readonly directMcp: number[];
  readonly executeOneCall: number[];
  readonly containerStart: ContainerStartSample[];
  readonly bareContainer: number[];
}

export interface SessionSummaryInput {
  readonly timings: SessionTimings;
  /** The 1-minute load average when the bench started; the one at the end is read when the summary is made. */
  readonly loadAtStart: number;
  readonly sizes: {
    readonly rounds: number;
    readonly startsPerRound: number;
    readonly callsPerRound: number;
    readonly blockSize: number;
    readonly containerStarts: number;
  };
  /** The prepared container start bench, if any. */
  readonly containers: ContainerStartBench | undefined;
  /** Why the container start was not measured, if it was not. */
  readonly containersSkipped: string | undefined;
  readonly auditTrail: { records: number; isValid: boolean; toolCalls: number };
}

/** The summary object, its keys in the order they are printed. */
export function buildSessionSummary(input: SessionSummaryInput): Record<string, unknown> {
  const { timings, sizes } = input;
  const isolateStart = summarizeLatencies(timings.execute);
  const fromIsolate = summarizeLatencies(timings.fromIsolate);
  const directBus = summarizeLatencies(timings.directBus);
  const directMcp = summarizeLatencies(timings.directMcp);
  return {
    bench: 'session',
    node: process.versions.node,
    isolatedVm: (createRequire(import.meta.url)('isolated-vm/package.json') as { version: string }).version,
    loadAverage: {
      atStart: roundMilliseconds(input.loadAtStart),
      atEnd: roundMilliseconds(loadavg()[0] ?? 0),
    },
    samples: {
      rounds: sizes.rounds,
      isolateStartsPerRound: sizes.startsPerRound,
      toolCallsPerRoundEachWay: sizes.callsPerRound,
      blockSize: sizes.blockSize,
      containerStarts: input.containersSkipped === undefined ? sizes.containerStarts : 0,
    },
    call: 'filesystem.read_text_file({ path }) of a 1 KB file in the session sandbox (shipped policy: allowed)',
    path:
      'isolate → code-mode bridge → orchestrator tool bridge → pdp.toolcall.v1 → PDP process (policy, signed ' +
      'decision, audit-writer fsync) → gateway process → filesystem MCP server (stdio, bubblewrap) → reply → isolate',
    baselines:
      'directBusCall: the same pdp.toolcall.v1 sent directly on the bus, no isolate; directMcpCall: a direct MCP ' +
      'SDK call of the same tool to a filesystem server of the same package, unsandboxed, no IronCurtain',
    isolateStart: {
      ...isolateStart,
      note: 'a whole execute of trivial code: new isolate + context, bridge, compile, run, dispose',
      isolateAndContext: summarizeLatencies(timings.isolateAndContext),
      contextInWarmIsolate: summarizeLatencies(timings.contextInWarmIsolate),
    },
    toolCallFromIsolate: fromIsolate,
    directBusCall: directBus,
    directMcpCall: directMcp,
    isolateOverheadP50Ms: roundMilliseconds(fromIsolate.p50Ms - directBus.p50Ms),
    isolateOverheadP99Ms: roundMilliseconds(fromIsolate.p99Ms - directBus.p99Ms),
    isolateCrossingPerCall: {
      ...summarizeLatencies(timings.crossings),
      note: 'inside each from-isolate call: host holds the reply → value back in the isolate → next call out',
    },
    executeWithOneToolCall: {
      ...summarizeLatencies(timings.executeOneCall),
      note: 'a fresh execute whose code makes one call: isolate start + one call, as a one-call agent step pays',
    },
    ratios: {
      toolCallFromIsolateOverDirectBusP50: roundMilliseconds(fromIsolate.p50Ms / directBus.p50Ms),
      directBusOverDirectMcpP50: roundMilliseconds(directBus.p50Ms / directMcp.p50Ms),
      toolCallFromIsolateOverDirectMcpP50: roundMilliseconds(fromIsolate.p50Ms / directMcp.p50Ms),
    },
    containerStart: containerStartSummary(input, isolateStart.p50Ms),
    auditTrail: input.auditTrail,
    target: {
      isolateStartP50Ms: targetIsolateStartP50Ms,
      met: isolateStart.p50Ms <= targetIsolateStartP50Ms,
    },
  };
}

function containerStartSummary(
  input: SessionSummaryInput,
  isolateStartP50Ms: number,
): Record<string, unknown> {
  const { timings, containers } = input;
  if (input.containersSkipped !== undefined) return { skipped: input.containersSkipped };
  if (containers === undefined) return { skipped: 'not prepared' };
  const firstModelRequest = summarizeLatencies(
    timings.containerStart.map((sample) => sample.firstModelRequestMs),
  );
  const firstConnect = summarizeLatencies(timings.containerStart.map((sample) => sample.firstConnectMs));
  const bare = summarizeLatencies(timings.bareContainer);
  return {
    agent: 'claude-code',
    image: containers.image,
    task: containerStartTask,
    agentUser: `${containers.agentUser.uid}:${containers.agentUser.gid}`,
    limits: containers.limits,
    startToFirstModelRequest: {
      ...firstModelRequest,
      note:
        'from calling run() on a session container (agentContainerOptions, prepareAgentSessionFiles, MCP socket ' +
        'server, egress relay) to the first bytes of POST /v1/messages at the relay target (a stand-in egress that ' +
        'terminates TLS with the session CA); the run is aborted then, and the container killed and removed',
    },
    startToFirstConnect: {
      ...firstConnect,
      note:
        'to the first bytes of the first CONNECT api.anthropic.com:443 at the relay target: Claude Code fetches ' +
        'GET /api/claude_code/settings and /policy_limits first (refused with 403, as mitm-egress refuses them)',
    },
    bareContainer: {
      ...bare,
      note: 'the same image running `true`, no mounts, network none: docker create + start + wait + remove',
    },
    ratios: {
      firstModelRequestOverBareContainerP50: roundMilliseconds(firstModelRequest.p50Ms / bare.p50Ms),
      firstModelRequestOverIsolateStartP50: roundMilliseconds(firstModelRequest.p50Ms / isolateStartP50Ms),
    },
    standInEgress: containers.observations(),
  };
}
