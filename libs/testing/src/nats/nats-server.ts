import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options for {@link startNats}. */
export interface StartNatsOptions {
  /** Enable JetStream (default true). */
  jetstream?: boolean;
  /** Extra nats-server configuration text (e.g. `authorization { … }`), written to a config file. */
  config?: string;
  /** The nats-server binary (default `nats-server` on PATH). */
  binary?: string;
}

/** A running nats-server that a test owns: it can be stopped, restarted on the same port and store, and disposed. */
export interface NatsServerHandle extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  readonly pid: number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). The store stays for {@link restart}. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same JetStream store. */
  restart(): Promise<void>;
  /** Stops it and removes its temporary directory. */
  dispose(): Promise<void>;
}

const readyTimeoutMs = 10_000;

/** Starts a real nats-server on a free loopback port, with JetStream in a fresh temporary directory. */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsServerHandle> {
  const workDir = await mkdtemp(join(tmpdir(), 'ironcurtain-nats-'));
  const storeDir = join(workDir, 'jetstream');
  const configFile = join(workDir, 'server.conf');
  await writeFile(configFile, options.config ?? '');
  const launch = (port: number): ChildProcess => {
    const args = [
      '-c',
      configFile,
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-m',
      '-1',
      '--ports_file_dir',
      workDir,
    ];
    if (options.jetstream !== false) args.push('-js', '-sd', storeDir);
    return spawn(options.binary ?? 'nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };

  let child = launch(-1);
  const port = await waitForPortsFile(child, workDir);
  await waitForListening(port, child);

  const stop = async (): Promise<void> => {
    await stopProcess(child);
  };
  const handle: NatsServerHandle = {
    get url() {
      return `nats://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    storeDir,
    get pid() {
      return child.pid;
    },
    stop,
    async restart() {
      await stopProcess(child);
      child = launch(port);
      await waitForListening(port, child);
    },
    async dispose() {
      await stopProcess(child);
      await rm(workDir, { recursive: true, force: true });
    },
    async [Symbol.asyncDispose]() {
      await handle.dispose();
    },
  };
  return handle;
}

async function waitForPortsFile(child: ChildProcess, workDir: string): Promise<number> {
  const stderr = collectStderr(child);
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}: ${stderr()}`);
    const files = await readdir(workDir);
    const portsFile = files.find((name) => name === `nats-server_${child.pid}.ports`);
    if (portsFile !== undefined) {
      // The server may be writing the file as it is read: a partial file is read again on the next round.
      const ports = parsedOrUndefined(await readFile(join(workDir, portsFile), 'utf8')) as
        { nats?: string[] } | undefined;
      const address = ports?.nats?.[0];
      if (address !== undefined) return Number(new URL(address).port);
    }
    await sleep(20);
  }
  child.kill('SIGKILL');
  throw new Error(`nats-server did not report its port within ${readyTimeoutMs} ms: ${stderr()}`);
}

function parsedOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function waitForListening(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    if (await canConnect(port)) return;
    await sleep(20);
  }
  throw new Error(`nats-server is not listening on 127.0.0.1:${port} after ${readyTimeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function collectStderr(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-4000);
  });
  return () => text.trim();
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the process has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
