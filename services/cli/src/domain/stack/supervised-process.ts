import { spawn, type ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import { describeExit, stopChildProcess } from './process-control.js';
import { defaultBackoffPolicy, nextRestartDelay, type BackoffPolicy } from './restart-backoff.js';

/** What a supervised process reports to whoever runs it. */
export interface SupervisionEvents {
  started(pid: number, isRestart: boolean): void;
  /** It went away unexpectedly (`reason`: "exited with code 1") and will start again after `restartDelayMs`. */
  exited(reason: string, restartDelayMs: number): void;
}

/** Options for {@link superviseProcess}. */
export interface SupervisedProcessOptions {
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  /** stdout and stderr are appended here by the child itself, so its last words survive a dead supervisor. */
  logFile: string;
  events: SupervisionEvents;
  backoff?: BackoffPolicy;
}

/** A child process that is started again whenever it exits on its own, until it is stopped. */
export interface SupervisedProcess {
  readonly pid: number | undefined;
  start(): Promise<void>;
  /** Closes its stdin and sends SIGTERM, SIGKILLs it after `graceMs`; no restart after this. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Starts and watches one child. Its stdin is a pipe the supervisor holds open and never writes to: when the
 * supervisor dies, even by SIGKILL, the pipe closes and a supervised service stops on its own (libs/runtime).
 */
export function superviseProcess(options: SupervisedProcessOptions): SupervisedProcess {
  return new SupervisedChild(options);
}

class SupervisedChild implements SupervisedProcess {
  private child: ChildProcess | undefined;
  private isStopping = false;
  private hasStarted = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private previousDelayMs: number | undefined;

  constructor(private readonly options: SupervisedProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const log = await open(this.options.logFile, 'a', 0o600);
    try {
      if (!this.isStopping) this.spawnChild(log.fd);
    } finally {
      await log.close();
    }
  }

  async stop(graceMs: number): Promise<void> {
    this.isStopping = true;
    clearTimeout(this.restartTimer);
    const running = this.child;
    if (running === undefined) return;
    // Closing stdin as well as SIGTERM: a supervised service keeps running while its stdin is open.
    await stopChildProcess(running, graceMs, () => running.stdin?.end());
  }

  private spawnChild(logDescriptor: number): void {
    const startedAt = Date.now();
    const spawned = spawn(this.options.command, [...this.options.args], {
      env: this.options.env,
      stdio: ['pipe', logDescriptor, logDescriptor],
      // Its own process group: a Ctrl-C in the terminal reaches only the supervisor, which then stops the
      // children in order instead of all of them racing each other.
      detached: true,
    });
    this.child = spawned;
    // Writing nothing, but a child that dies can still make the pipe report EPIPE; that is not our failure.
    spawned.stdin?.on('error', () => {});
    // 'error' also reports a failed kill of a running child; only a child that never got a PID has gone.
    spawned.on('error', () => {
      if (spawned.pid === undefined) this.onExit(spawned, 'could not start', startedAt);
    });
    spawned.once('exit', (code, signal) => this.onExit(spawned, describeExit(code, signal), startedAt));
    if (spawned.pid !== undefined) this.options.events.started(spawned.pid, this.hasStarted);
    this.hasStarted = true;
  }

  private onExit(exited: ChildProcess, reason: string, startedAt: number): void {
    if (this.child !== exited) return;
    this.child = undefined;
    this.scheduleRestart(reason, Date.now() - startedAt);
  }

  private scheduleRestart(reason: string, uptimeMs: number): void {
    if (this.isStopping) return;
    this.previousDelayMs = nextRestartDelay(
      this.previousDelayMs,
      uptimeMs,
      this.options.backoff ?? defaultBackoffPolicy,
    );
    this.options.events.exited(reason, this.previousDelayMs);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start().catch((error: unknown) =>
        this.scheduleRestart(`could not restart: ${(error as Error).message}`, 0),
      );
    }, this.previousDelayMs);
  }
}
