// bench:session's container start: how long an external agent's batch turn takes from `run()` to the agent's first
// model request, on the real Docker engine, with a container made exactly as a session's (sample-session.ts:
// agentContainerOptions with the claude-code adapter's batch command for a one-word task, prepareAgentSessionFiles,
// the socket folder with a real MCP socket server and a real egress relay). Each sample is a fresh session (its own
// folders, sockets and agent state), as a session's first turn is.
//
// The relay's target is a stand-in egress (stand-in-egress.ts) that serves the CONNECT with a leaf from the session
// CA (session-certificates.ts), refuses Claude Code's settings fetches with 403 as mitm-egress does, and notes the
// first CONNECT and the first `POST /v1/messages`; the run is then aborted, so the container is killed and removed.
// Baseline: a bare container of the same image running `true` (create + start + wait + remove), the engine's own
// cost. Workspace code loads from dist: `npx tsc -b` first.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureAgentImage } from '@ironcurtain/agent-images';
import { checkEngine, createDockerEngine, type DockerEngine } from '@ironcurtain/docker-engine';
import { ensureStandInNodeImage } from '@ironcurtain/testing';
import { createAgentContainers, type ContainerRunResult } from '../dist/adapters/agent-containers.js';
import { adapterOf } from '../dist/domain/agents/agent-registry.js';
import { configSchema } from '../dist/config.js';
import type { ContainerUser } from '../dist/domain/container/container-spec.js';
import { openSampleSession } from './sample-session.ts';
import { makeSessionCertificates, type SessionCertificates } from './session-certificates.ts';
import { modelHost, type PendingSample, type StandInEgress, startStandInEgress } from './stand-in-egress.ts';

/** The one-word task of every measured turn. */
export const containerStartTask = 'hello';
// Run as root, the agent is another user, never root (4321, as in the isolation test); else this process's user.
const agentUser: ContainerUser =
  process.getuid?.() === 0
    ? { uid: 4321, gid: 4321 }
    : { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 };
const benchLabel = 'ironcurtain.bench';
const sampleTimeoutMs = 60_000;

/** One session container's start, in ms from calling `run()`. */
export interface ContainerStartSample {
  /** To the first bytes of the first `CONNECT api.anthropic.com:443` at the relay's target. */
  readonly firstConnectMs: number;
  /** To the first bytes of `POST /v1/messages` (inside the tunnel) at the relay's target. */
  readonly firstModelRequestMs: number;
}

/** Prepared container measurements; each sample throws when it could not be taken. */
export interface ContainerStartBench {
  readonly image: string;
  readonly agentUser: ContainerUser;
  readonly limits: { memoryMb: number; cpus: number; pids: number };
  /** One session container, from calling `run()` to its first connection and its first model request. */
  startToFirstRequest(): Promise<ContainerStartSample>;
  /** One bare container of the same image running `true`: create + start + wait + remove, in ms. */
  bareContainer(): Promise<number>;
  /** What the stand-in egress saw besides the model requests, with counts over every session (warm-up included). */
  observations(): {
    sessions: number;
    refusedRequests: Record<string, number>;
    otherConnections: Record<string, number>;
    modelRequestsWithSessionCredentials: number;
  };
  /** Removes every container, socket and folder it made; safe to call twice. */
  close(): Promise<void>;
  /** The last resort when `close()` cannot finish: `docker rm -f` and remove the folder, now, synchronously. */
  kill(): void;
}

/** Either the prepared bench or why it cannot run here (no Docker engine). */
export type ContainerStartSetup = { bench: ContainerStartBench } | { skipped: string };

/**
 * Checks the engine, builds the images when missing (the stand-in `node:24-bookworm-slim` first, as the tests do;
 * build output goes to `log`), makes the session CA and starts the stand-in egress. Resolves `{ skipped }` when the
 * Docker engine does not answer.
 */
export async function prepareContainerStart(options: {
  dockerHost: string | undefined;
  signal: AbortSignal;
  log: (message: string) => void;
}): Promise<ContainerStartSetup> {
  const { log, signal } = options;
  const engine = createDockerEngine(options.dockerHost);
  const unreachable = await checkEngine(engine, 'agent "claude-code"');
  if (unreachable !== undefined) return { skipped: unreachable };
  const buildStarted = performance.now();
  log('container start: making the agent images when missing (a first build takes about a minute)…');
  await ensureStandInNodeImage(engine);
  signal.throwIfAborted();
  const image = await ensureAgentImage(engine, 'claude-code', {
    onProgress: (line) => log(`  build: ${line}`),
  });
  log(`container start: image ${image} ready after ${Math.round(performance.now() - buildStarted)} ms`);
  signal.throwIfAborted();
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'session-bench-containers-')));
  try {
    const certificates = makeSessionCertificates(join(home, 'ca'), modelHost);
    const egress = await startStandInEgress(certificates);
    return { bench: createBench({ engine, image, home, certificates, egress, signal, log }) };
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}

function createBench(input: {
  engine: DockerEngine;
  image: string;
  home: string;
  certificates: SessionCertificates;
  egress: StandInEgress;
  signal: AbortSignal;
  log: (message: string) => void;
}): ContainerStartBench {
  const { engine, image, home, egress } = input;
  const adapter = adapterOf('claude-code');
  const containers = createAgentContainers(engine, adapter.name);
  // The orchestrator's defaults (ORCH_AGENT_MEMORY_MB, ORCH_AGENT_CPUS, ORCH_AGENT_PIDS).
  const limits = {
    memoryMb: configSchema.shape.ORCH_AGENT_MEMORY_MB.parse(undefined),
    cpus: configSchema.shape.ORCH_AGENT_CPUS.parse(undefined),
    pids: configSchema.shape.ORCH_AGENT_PIDS.parse(undefined),
  };
  const runLabel = `session-bench-${process.pid}`;
  const liveNames = new Set<string>();
  let sampleCount = 0;
  let sessionCount = 0;
  let withSessionCredentials = 0;
  let isClosed = false;

  const startToFirstRequest = async (): Promise<ContainerStartSample> => {
    input.signal.throwIfAborted();
    sampleCount += 1;
    sessionCount += 1;
    const session = await openSampleSession({
      home,
      sessionId: `bench-${process.pid}-${sampleCount}`,
      proxyToken: `proxy-token-${sampleCount}`,
      task: containerStartTask,
      adapter,
      image,
      user: agentUser,
      limits,
      caCertificatePem: input.certificates.caPem,
      egressPort: egress.port,
      onError: (error, what) => {
        if (!input.signal.aborted) input.log(`container start: ${what}: ${(error as Error).message}`);
      },
    });
    const { sessionId, containerName, containerOptions } = session;
    containerOptions.Labels = { ...containerOptions.Labels, [benchLabel]: runLabel };
    const abort = new AbortController();
    const stop = () => abort.abort(input.signal.reason);
    input.signal.addEventListener('abort', stop, { once: true });
    const timeout = setTimeout(() => abort.abort(new Error('timeout')), sampleTimeoutMs);
    let resolveModelRequest!: (at: number) => void;
    const modelRequestSeen = new Promise<number>((resolve) => (resolveModelRequest = resolve));
    const sample: PendingSample = {
      sessionId,
      modelRequest(at, proxyUser) {
        if (proxyUser === sessionId) withSessionCredentials += 1;
        // Abort right away: the container is killed and removed.
        abort.abort(new Error('the first model request arrived'));
        resolveModelRequest(at);
      },
    };
    egress.expect(sample);
    liveNames.add(containerName);
    try {
      const started = performance.now();
      const run = containers.run(containerOptions, abort.signal);
      const first = await Promise.race([modelRequestSeen, run]);
      if (typeof first !== 'number') {
        const why = abort.signal.aborted ? `no model request within ${sampleTimeoutMs / 1000} s` : 'it ended';
        throw new Error(`the agent container made no model request (${why}): ${describe(first)}`);
      }
      await run;
      if (sample.firstConnectAt === undefined) throw new Error('a model request came without a CONNECT');
      return { firstConnectMs: sample.firstConnectAt - started, firstModelRequestMs: first - started };
    } finally {
      egress.expect(undefined);
      clearTimeout(timeout);
      abort.abort();
      input.signal.removeEventListener('abort', stop);
      await containers.removeSessionContainers(sessionId).catch(() => undefined);
      liveNames.delete(containerName);
      await session.close();
    }
  };

  const bareContainer = async (): Promise<number> => {
    input.signal.throwIfAborted();
    sampleCount += 1;
    const name = `ironcurtain-bench-bare-${process.pid}-${sampleCount}`;
    liveNames.add(name);
    try {
      const started = performance.now();
      const container = await engine.client.createContainer({
        name,
        Image: image,
        Entrypoint: ['true'],
        User: `${agentUser.uid}:${agentUser.gid}`,
        Labels: { [benchLabel]: runLabel },
        HostConfig: { NetworkMode: 'none' },
      });
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      await container.remove({ force: true, v: true });
      const elapsed = performance.now() - started;
      if (StatusCode !== 0) throw new Error(`the bare container exited with code ${StatusCode}`);
      return elapsed;
    } finally {
      await engine.client
        .getContainer(name)
        .remove({ force: true, v: true })
        .catch(() => undefined);
      liveNames.delete(name);
    }
  };

  const removeLeftovers = async () => {
    const left = await engine.client
      .listContainers({ all: true, filters: { label: [`${benchLabel}=${runLabel}`] } })
      .catch(() => []);
    await Promise.all(
      left.map((info) =>
        engine.client
          .getContainer(info.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined),
      ),
    );
  };

  const kill = () => {
    if (liveNames.size > 0) {
      try {
        execFileSync('docker', ['rm', '-f', '-v', ...liveNames], { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // Best effort: the engine may be gone, or the docker CLI missing.
      }
    }
    rmSync(home, { recursive: true, force: true });
  };
  process.once('exit', kill);

  return {
    image,
    agentUser,
    limits,
    startToFirstRequest,
    bareContainer,
    observations: () => ({
      sessions: sessionCount,
      refusedRequests: Object.fromEntries(egress.refusedRequests),
      otherConnections: Object.fromEntries(egress.otherConnections),
      modelRequestsWithSessionCredentials: withSessionCredentials,
    }),
    async close() {
      if (isClosed) return;
      isClosed = true;
      await removeLeftovers();
      await egress.close();
      rmSync(home, { recursive: true, force: true });
      process.removeListener('exit', kill);
    },
    kill,
  };
}

function describe(result: ContainerRunResult): string {
  const output = `${result.stderr}\n${result.stdout}`.trim().slice(-2000);
  return `${result.ending}, exit code ${result.exitCode}${output === '' ? '' : `: ${output}`}`;
}
