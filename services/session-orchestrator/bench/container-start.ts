// bench:session's container start: how long an external agent's batch turn takes from `run()` to the agent's first
// model request, on the real Docker engine, with a container made exactly as a session's (src/domain/container/:
// agentContainerOptions with the claude-code adapter's batch command for a one-word task, prepareAgentSessionFiles,
// the socket folder with a real MCP socket server and a real egress relay). Each sample is a fresh session (its own
// folders, sockets and agent state), as a session's first turn is.
//
// The relay's target is a stand-in egress here: Claude Code → HTTPS_PROXY (the init script's socat on
// 127.0.0.1:18080) → egress.sock → relay → this TCP server. Claude Code's first connection to api.anthropic.com is
// not its model request: it first fetches `GET /api/claude_code/settings` and `/api/claude_code/policy_limits`, and
// waits for them. So the stand-in does what mitm-egress does with them: it accepts the CONNECT, terminates TLS with
// a certificate from the session CA (the `ca.pem` the container trusts) and refuses those endpoints with 403, as
// mitm-egress's allowlist does. It notes when the first bytes of the first CONNECT arrive and when the first bytes of
// `POST /v1/messages` (the model request) arrive; the run is then aborted, so the container is killed and removed.
// Baseline: a bare container of the same image running `true` (create + start + wait + remove), the engine's own
// cost. Workspace code loads from dist: `npx tsc -b` first.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TLSSocket } from 'node:tls';
import { ensureAgentImage } from '@ironcurtain/agent-images';
import { checkEngine, createDockerEngine, type DockerEngine } from '@ironcurtain/docker-engine';
import { ensureStandInNodeImage } from '@ironcurtain/testing';
import { createAgentContainers, type ContainerRunResult } from '../dist/adapters/agent-containers.js';
import { adapterOf } from '../dist/domain/agents/agent-registry.js';
import { configSchema } from '../dist/config.js';
import { prepareAgentSessionFiles } from '../dist/domain/container/agent-session-files.js';
import {
  agentContainerName,
  agentContainerOptions,
  type ContainerUser,
} from '../dist/domain/container/container-spec.js';
import { startEgressRelay } from '../dist/domain/container/egress-relay.js';
import { startMcpSocketServer } from '../dist/domain/container/mcp-socket-server.js';
import { createSocketFolder, removeSocketFolder } from '../dist/domain/container/socket-folder.js';
import { sessionPathsOf } from '../dist/domain/session-files.js';

/** The one-word task of every measured turn. */
export const containerStartTask = 'hello';
const modelHost = 'api.anthropic.com';
const modelRequest = { method: 'POST', path: '/v1/messages' };
// Run as root, the agent is another user, never root (4321, as in the isolation test); else this process's user.
const agentUser: ContainerUser =
  process.getuid?.() === 0
    ? { uid: 4321, gid: 4321 }
    : { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 };
const benchLabel = 'ironcurtain.bench';
const sampleTimeoutMs = 60_000;
const maximumHeadBytes = 64 * 1024;

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
    const certificates = makeSessionCertificates(join(home, 'ca'));
    const egress = await startStandInEgress(certificates);
    return { bench: createBench({ engine, image, home, certificates, egress, signal, log }) };
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}

interface SessionCertificates {
  /** What the container trusts (`/etc/ironcurtain/ca.pem`). */
  readonly caPem: string;
  /** The stand-in egress's certificate for api.anthropic.com, issued by that CA. */
  readonly leafPem: string;
  readonly leafKeyPem: string;
}

// A session CA as mitm-egress hands out (ECDSA P-256), and a leaf for the model host, made with openssl.
function makeSessionCertificates(folder: string): SessionCertificates {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const file = (name: string) => join(folder, name);
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  // Only fixed words are split on spaces; file paths are arguments of their own.
  const words = (text: string) => text.split(' ');
  const newKey = '-nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256';
  const caExtensions = '-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign';
  openssl(
    ...words(`req -x509 -days 2 ${newKey} ${caExtensions} -subj /CN=bench-session-CA -keyout`),
    file('ca.key.pem'),
    '-out',
    file('ca.pem'),
  );
  openssl(
    ...words(`req -new ${newKey} -subj /CN=${modelHost} -keyout`),
    file('leaf.key.pem'),
    '-out',
    file('leaf.csr'),
  );
  writeFileSync(file('leaf.ext'), `subjectAltName=DNS:${modelHost}\nextendedKeyUsage=serverAuth\n`);
  openssl(
    ...words('x509 -req -days 2 -set_serial 2 -in'),
    file('leaf.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key.pem'),
    '-extfile',
    file('leaf.ext'),
    '-out',
    file('leaf.pem'),
  );
  const read = (name: string) => readFileSync(file(name), 'utf8');
  return { caPem: read('ca.pem'), leafPem: read('leaf.pem'), leafKeyPem: read('leaf.key.pem') };
}

/** The sample in progress, as the stand-in egress fills it in. */
interface PendingSample {
  readonly sessionId: string;
  firstConnectAt?: number;
  modelRequest(at: number, proxyUser: string | undefined): void;
}

interface StandInEgress {
  readonly port: number;
  /** Attributes connections to `sample` until the next call (or `undefined`). */
  expect(sample: PendingSample | undefined): void;
  readonly refusedRequests: Map<string, number>;
  readonly otherConnections: Map<string, number>;
  close(): Promise<void>;
}

// The relay's target. Per connection: the CONNECT head; for the model host, 200, then TLS with the session CA's
// leaf, and each request in the tunnel: the model request is noted (and its connection dropped), anything else is
// refused with 403 as mitm-egress refuses an endpoint off its allowlist.
async function startStandInEgress(certificates: SessionCertificates): Promise<StandInEgress> {
  const refusedRequests = new Map<string, number>();
  const otherConnections = new Map<string, number>();
  const count = (counts: Map<string, number>, what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
  const sockets = new Set<Socket>();
  let current: PendingSample | undefined;

  const serveTunnel = (tunnel: TLSSocket, sample: PendingSample, proxyUser: string | undefined) => {
    let head = '';
    let firstBytesAt: number | undefined;
    tunnel.on('error', () => undefined);
    tunnel.on('data', (chunk: Buffer) => {
      firstBytesAt ??= performance.now();
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > maximumHeadBytes) tunnel.destroy();
        return;
      }
      const lines = head.slice(0, end).split('\r\n');
      const [method = '?', target = '?'] = (lines[0] ?? '').split(' ');
      const path = target.split('?')[0] ?? target;
      if (method === modelRequest.method && path === modelRequest.path) {
        sample.modelRequest(firstBytesAt, proxyUser);
        tunnel.destroy();
        return;
      }
      count(refusedRequests, `${method} ${path}`);
      // Requests with a body end their connection, so the next request starts on a fresh one.
      const hasBody = lines.some((line) => /^(content-length:\s*[1-9]|transfer-encoding:)/i.test(line));
      const body = JSON.stringify({
        type: 'error',
        error: {
          type: 'egress_denied',
          message: `mitm-egress: ${method} ${path} is not an allowed anthropic endpoint`,
        },
      });
      tunnel.write(
        'HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\n' +
          `content-length: ${Buffer.byteLength(body)}\r\n${hasBody ? 'connection: close\r\n' : ''}\r\n${body}`,
      );
      if (hasBody) tunnel.end();
      head = '';
      firstBytesAt = undefined;
    });
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    let firstBytesAt: number | undefined;
    const onData = (chunk: Buffer) => {
      firstBytesAt ??= performance.now();
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > maximumHeadBytes) socket.destroy();
        return;
      }
      socket.off('data', onData);
      const lines = head.slice(0, end).split('\r\n');
      const [method = '?', authority = '?'] = (lines[0] ?? '').split(' ');
      const proxyUser = proxyUserOf(lines);
      const sample = current;
      const isSessions = sample !== undefined && (proxyUser === undefined || proxyUser === sample.sessionId);
      if (method !== 'CONNECT' || authority !== `${modelHost}:443` || !isSessions) {
        count(otherConnections, `${method} ${authority}${isSessions ? '' : ' (no sample running)'}`);
        socket.destroy();
        return;
      }
      sample.firstConnectAt ??= firstBytesAt;
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      const tunnel = new TLSSocket(socket, {
        isServer: true,
        key: certificates.leafKeyPem,
        cert: certificates.leafPem,
      });
      serveTunnel(tunnel, sample, proxyUser);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    expect: (sample) => {
      current = sample;
    },
    refusedRequests,
    otherConnections,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

// The user of `Proxy-Authorization: Basic …`: the session id in HTTPS_PROXY's credentials.
function proxyUserOf(headerLines: readonly string[]): string | undefined {
  for (const line of headerLines) {
    const basic = /^proxy-authorization:\s*basic\s+(\S+)/i.exec(line);
    if (basic?.[1] !== undefined) return Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0];
  }
  return undefined;
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
    const sessionId = `bench-${process.pid}-${sampleCount}`;
    const paths = sessionPathsOf(home, sessionId);
    const facts = { sessionId, sentinel: `sk-ant-ironcurtain-sentinel-${sessionId}` };
    const onError = (error: unknown, what: string) => {
      if (!input.signal.aborted) input.log(`container start: ${what}: ${(error as Error).message}`);
    };
    await prepareAgentSessionFiles({
      paths,
      adapter,
      facts,
      user: agentUser,
      caCertificatePem: input.certificates.caPem,
    });
    const folder = await createSocketFolder(paths.sockets, agentUser);
    const mcp = await startMcpSocketServer({
      socketPath: folder.mcpSocketPath,
      owner: agentUser,
      catalog: { servers: [] },
      callTool: async () => ({ ok: false, message: 'DENIED: bench:session offers no tools' }),
      sandboxPath: paths.sandbox,
      onError,
    });
    const relay = await startEgressRelay({
      socketPath: folder.egressSocketPath,
      owner: agentUser,
      target: { host: '127.0.0.1', port: egress.port },
    });
    const name = agentContainerName(sessionId, 1);
    const options = agentContainerOptions({
      sessionId,
      adapter,
      image,
      name,
      command: adapter.batchCommand({ message: containerStartTask, isResume: false }, facts),
      agentEnvironment: adapter.environment(facts),
      proxyToken: `proxy-token-${sampleCount}`,
      paths,
      user: agentUser,
      limits,
      hasTerminal: false,
    });
    options.Labels = { ...options.Labels, [benchLabel]: runLabel };
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
    liveNames.add(name);
    try {
      const started = performance.now();
      const run = containers.run(options, abort.signal);
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
      liveNames.delete(name);
      await Promise.allSettled([mcp.close(), relay.close()]);
      await removeSocketFolder(paths.sockets).catch(() => undefined);
      rmSync(paths.directory, { recursive: true, force: true });
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
