import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile, readdir, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { renderNatsServerConfig, type NatsUser } from './nats-config.js';
import { hasExited, stopChildProcess } from './process-control.js';
import { logFileOf, type StackPaths } from './stack-paths.js';
import { writePrivateFile } from './stack-state.js';

/** Options for {@link startPrivateNatsServer}. */
export interface PrivateNatsServerOptions {
  paths: StackPaths;
  users: readonly NatsUser[];
  /** The PATH to find `nats-server` on. */
  searchPath: string | undefined;
  readyTimeoutMs?: number;
}

/** The stack's own nats-server: JetStream, loopback only, a free port, the users of the generated config. */
export interface PrivateNatsServer {
  readonly url: string;
  readonly pid: number;
  /** Called once if the server goes away without {@link stop} being asked for. */
  onUnexpectedExit(listener: (reason: string) => void): void;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

const portsFilePrefix = 'nats-server_';

/** Writes the config (mode 0600), starts nats-server and resolves once it accepts connections. */
export async function startPrivateNatsServer(options: PrivateNatsServerOptions): Promise<PrivateNatsServer> {
  const { paths } = options;
  await removeStalePortsFiles(paths.runDirectory);
  await writePrivateFile(paths.natsConfigFile, renderNatsServerConfig(options.users));
  const child = await spawnNatsServer(paths, options.searchPath);
  let isStopping = false;
  let unexpectedExitListener: (reason: string) => void = () => {};
  child.once('exit', (code, signal) => {
    if (!isStopping)
      unexpectedExitListener(signal === null ? `exited with code ${code}` : `was killed by ${signal}`);
  });
  try {
    const port = await waitForPort(child, paths, options.readyTimeoutMs ?? 10_000);
    return {
      url: `nats://127.0.0.1:${port}`,
      pid: child.pid as number,
      onUnexpectedExit: (listener) => (unexpectedExitListener = listener),
      async stop(graceMs) {
        isStopping = true;
        await stopChildProcess(child, graceMs);
      },
    };
  } catch (error) {
    isStopping = true;
    await stopChildProcess(child, 1000);
    throw error;
  }
}

async function spawnNatsServer(paths: StackPaths, searchPath: string | undefined): Promise<ChildProcess> {
  const args = [
    ['-c', paths.natsConfigFile],
    ['-a', '127.0.0.1', '-p', '-1'],
    ['--ports_file_dir', paths.runDirectory],
    ['-js', '-sd', paths.natsStoreDirectory],
  ].flat();
  const log = await open(logFileOf(paths, 'nats-server'), 'a', 0o600);
  try {
    const child = spawn('nats-server', args, {
      env: searchPath === undefined ? {} : { PATH: searchPath },
      stdio: ['ignore', log.fd, log.fd],
      detached: true,
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error: NodeJS.ErrnoException) => reject(spawnFailure(error)));
    });
    // A failed kill is reported as 'error' too; stopChildProcess waits for 'exit' either way.
    child.on('error', () => {});
    return child;
  } finally {
    await log.close();
  }
}

function spawnFailure(error: NodeJS.ErrnoException): AppError {
  const message =
    error.code === 'ENOENT'
      ? 'nats-server is not on PATH: install it (`apt-get install nats-server` or ./scripts/setup), ' +
        'or set NATS_URL to use a server that is already running'
      : `cannot start nats-server: ${error.message}`;
  return new AppError(ErrorCode.Unavailable, message, { cause: error });
}

async function waitForPort(child: ChildProcess, paths: StackPaths, timeoutMs: number): Promise<number> {
  const portsFile = join(paths.runDirectory, `${portsFilePrefix}${child.pid}.ports`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited(child))
      throw await notStarted(paths, `it exited with code ${child.exitCode ?? child.signalCode}`);
    const port = await readClientPort(portsFile);
    if (port !== undefined && (await acceptsConnections(port))) return port;
    await sleep(25);
  }
  throw await notStarted(paths, `it did not accept connections within ${timeoutMs} ms`);
}

async function notStarted(paths: StackPaths, why: string): Promise<AppError> {
  const logFile = logFileOf(paths, 'nats-server');
  const lastLines = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-3).join('\n');
  return new AppError(
    ErrorCode.Unavailable,
    `nats-server did not start: ${why}. Its log (${logFile}) ends with:\n${lastLines}`,
  );
}

// nats-server writes {"nats":["nats://127.0.0.1:PORT"]} once it listens; it may be caught half-written.
async function readClientPort(portsFile: string): Promise<number | undefined> {
  try {
    const ports = JSON.parse(await readFile(portsFile, 'utf8')) as { nats?: string[] };
    const address = ports.nats?.[0];
    return address === undefined ? undefined : Number(new URL(address).port);
  } catch {
    return undefined;
  }
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// A nats-server that was SIGKILLed leaves its ports file behind; only the one of the server we start is wanted.
async function removeStalePortsFiles(runDirectory: string): Promise<void> {
  const names = await readdir(runDirectory);
  const stale = names.filter((name) => name.startsWith(portsFilePrefix) && name.endsWith('.ports'));
  await Promise.all(stale.map((name) => rm(join(runDirectory, name), { force: true })));
}
