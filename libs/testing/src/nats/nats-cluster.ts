import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { monitor, waitForMetaLeader, waitForRoutes } from './nats-cluster-readiness.js';
import { stopProcess } from './nats-server.js';

/** What a node's configuration is written for: see {@link StartNatsClusterOptions.configOf}. */
export interface NatsClusterNodeSpec {
  /** 0-based. */
  readonly index: number;
  /** `n1`, `n2`, …: the `server_name` of the default configuration. */
  readonly name: string;
  /** The node's own folder: its configuration, log and any file the configuration includes go here. */
  readonly directory: string;
  /** Its JetStream store (`jetstream { store_dir }`), inside `directory`. */
  readonly storeDir: string;
  readonly clusterName: string;
  /** The route port it listens on (127.0.0.1). */
  readonly clusterPort: number;
  /** Every node's route port, in node order (its own too: a server skips a route to itself). */
  readonly clusterPorts: readonly number[];
}

/** Options for {@link startNatsCluster}. */
export interface StartNatsClusterOptions {
  /** Extra nats-server configuration for every node (e.g. `authorization { … }`), before the cluster settings. */
  config?: string;
  /**
   * Writes a node's whole configuration instead (e.g. a shipped config, adapted to loopback). It must name the
   * server, enable JetStream in `storeDir` and route to `clusterPorts`; the client and monitoring ports are always
   * free ones on 127.0.0.1 (command-line flags, which win over the file).
   */
  configOf?: (node: NatsClusterNodeSpec) => string | Promise<string>;
  /** The nats-server binary (default `nats-server` on PATH). */
  binary?: string;
  /** How long to wait for the routes and the JetStream meta leader (default 20 s). */
  readyTimeoutMs?: number;
}

/** One node of a {@link NatsClusterHandle}. */
export interface NatsClusterNode {
  /** Its `server_name` (`n1`, `n2`, … unless `configOf` names it): how JetStream names a leader. */
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly clusterPort: number;
  /** Its HTTP monitoring (`/varz`, `/connz`, `/jsz`, …), on 127.0.0.1. */
  readonly monitorUrl: string;
  readonly storeDir: string;
  readonly pid: number | undefined;
  readonly isRunning: boolean;
}

/** A JetStream cluster of nats-server processes on loopback that a test owns. */
export interface NatsClusterHandle extends AsyncDisposable {
  /** Every node's client URL, comma-separated: what `NATS_URL` takes. */
  readonly url: string;
  readonly nodes: readonly NatsClusterNode[];
  /** SIGKILLs node `index` (0-based) and waits until it is gone: a crash, no goodbye to its routes or clients. */
  killNode(index: number): Promise<void>;
  /** Waits until the running nodes agree on a JetStream meta leader among them; returns its name. */
  waitForMetaLeader(timeoutMs?: number): Promise<string>;
  /** Stops every node and removes the stores. */
  dispose(): Promise<void>;
}

interface RunningNode {
  name: string;
  child: ChildProcess;
  port: number;
  clusterPort: number;
  monitorPort: number;
  storeDir: string;
  logFile: string;
}

const clusterName = 'ironcurtain-test';

/**
 * Starts `size` nats-server processes on 127.0.0.1 routed to each other as one JetStream cluster, each with its own
 * store in a fresh temporary folder, and resolves once every node has its routes and they agree on a meta leader (so
 * replicated streams and KV buckets can be created). Client and monitoring ports are free ones the servers pick;
 * route ports are picked free just before (a start that loses one to a race is tried again).
 */
export async function startNatsCluster(
  size = 3,
  options: StartNatsClusterOptions = {},
): Promise<NatsClusterHandle> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`a cluster needs at least one node, not ${size}`);
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const workDir = await mkdtemp(join(tmpdir(), 'ironcurtain-nats-cluster-'));
    const nodes: RunningNode[] = [];
    try {
      const clusterPorts = await freePorts(size);
      for (let index = 0; index < size; index += 1) {
        nodes.push(await launchNode(workDir, index, clusterPorts, options));
      }
      await waitForRoutes(nodes, options.readyTimeoutMs ?? 20_000);
      await waitForMetaLeader(nodes, options.readyTimeoutMs ?? 20_000);
      return clusterHandle(workDir, nodes);
    } catch (error) {
      lastError = error;
      nodes.forEach((node) => killQuietly(node.child));
      await rm(workDir, { recursive: true, force: true });
    }
  }
  throw lastError;
}

async function launchNode(
  workDir: string,
  index: number,
  clusterPorts: readonly number[],
  options: StartNatsClusterOptions,
): Promise<RunningNode> {
  const name = `n${index + 1}`;
  const directory = join(workDir, name);
  const storeDir = join(directory, 'jetstream');
  await mkdir(storeDir, { recursive: true });
  const spec: NatsClusterNodeSpec = {
    index,
    name,
    directory,
    storeDir,
    clusterName,
    clusterPort: clusterPorts[index] as number,
    clusterPorts,
  };
  const configFile = join(directory, 'server.conf');
  await writeFile(configFile, await (options.configOf ?? defaultConfigOf(options.config))(spec));
  const logFile = join(directory, 'server.log');
  // Client and monitoring ports: free ones the server picks and reports in its ports file.
  const ports = ['-a', '127.0.0.1', '-p', '-1', '-m', '-1', '--ports_file_dir', directory];
  const child = spawn(options.binary ?? 'nats-server', ['-c', configFile, ...ports, '-l', logFile], {
    stdio: 'ignore',
  });
  const reported = await waitForPortsFile(child, directory, logFile).catch((error: unknown) => {
    killQuietly(child);
    throw error;
  });
  const node = { name, child, port: reported.client, monitorPort: reported.monitor, storeDir, logFile };
  // A configuration of the caller's may name the server otherwise; JetStream reports leaders by that name.
  const serverName = (await monitor<{ server_name?: string }>(node, '/varz'))?.server_name;
  return { ...node, name: serverName ?? name, clusterPort: spec.clusterPort };
}

function defaultConfigOf(extra: string | undefined): (node: NatsClusterNodeSpec) => string {
  return (node) => {
    const routes = node.clusterPorts.map((port) => JSON.stringify(`nats-route://127.0.0.1:${port}`));
    return [
      extra ?? '',
      `server_name: ${node.name}`,
      `jetstream { store_dir: ${JSON.stringify(node.storeDir)} }`,
      `cluster { name: ${node.clusterName}, listen: ${JSON.stringify(`127.0.0.1:${node.clusterPort}`)}, ` +
        `routes: [${routes.join(', ')}] }`,
      '',
    ].join('\n');
  };
}

function clusterHandle(workDir: string, nodes: RunningNode[]): NatsClusterHandle {
  const isRunning = (node: RunningNode) => node.child.exitCode === null && node.child.signalCode === null;
  const killAll = () => nodes.forEach((node) => killQuietly(node.child));
  process.once('exit', killAll);
  const handle: NatsClusterHandle = {
    url: nodes.map((node) => `nats://127.0.0.1:${node.port}`).join(','),
    nodes: nodes.map((node) => ({
      name: node.name,
      url: `nats://127.0.0.1:${node.port}`,
      port: node.port,
      clusterPort: node.clusterPort,
      monitorUrl: `http://127.0.0.1:${node.monitorPort}`,
      storeDir: node.storeDir,
      get pid() {
        return node.child.pid;
      },
      get isRunning() {
        return isRunning(node);
      },
    })),
    async killNode(index) {
      const node = nodes[index];
      if (node === undefined) throw new Error(`the cluster has no node ${index} (0…${nodes.length - 1})`);
      if (!isRunning(node)) return;
      const exited = new Promise<void>((resolve) => node.child.once('exit', () => resolve()));
      node.child.kill('SIGKILL');
      await exited;
    },
    async waitForMetaLeader(timeoutMs = 20_000) {
      return waitForMetaLeader(nodes.filter(isRunning), timeoutMs);
    },
    async dispose() {
      process.removeListener('exit', killAll);
      await Promise.all(nodes.map((node) => stopProcess(node.child)));
      await rm(workDir, { recursive: true, force: true });
    },
    async [Symbol.asyncDispose]() {
      await handle.dispose();
    },
  };
  return handle;
}

async function waitForPortsFile(
  child: ChildProcess,
  nodeDir: string,
  logFile: string,
): Promise<{ client: number; monitor: number }> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`nats-server exited with ${child.exitCode}: ${await logTail(logFile)}`);
    }
    const portsFile = (await readdir(nodeDir)).find((name) => name === `nats-server_${child.pid}.ports`);
    if (portsFile !== undefined) {
      const ports = await readPorts(join(nodeDir, portsFile));
      const [client] = ports.nats ?? [];
      const [monitoring] = ports.monitoring ?? [];
      if (client !== undefined && monitoring !== undefined) {
        return { client: Number(new URL(client).port), monitor: Number(new URL(monitoring).port) };
      }
    }
    await sleep(20);
  }
  throw new Error(`nats-server did not report its ports within 10 s: ${await logTail(logFile)}`);
}

// The server may be caught halfway through writing the file: that reads as no ports yet.
async function readPorts(file: string): Promise<{ nats?: string[]; monitoring?: string[] }> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as { nats?: string[]; monitoring?: string[] };
  } catch {
    return {};
  }
}

async function logTail(logFile: string): Promise<string> {
  return (await readFile(logFile, 'utf8').catch(() => '')).slice(-2000).trim();
}

/** `count` distinct ports that were free a moment ago (held open together, so no two are the same). */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let index = 0; index < count; index += 1) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(server);
    }
    return servers.map((server) => (server.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

function killQuietly(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
}
