import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { baseServiceEnv, loadEnv } from '@ironcurtain/config';
import type { ServiceSettings } from '@ironcurtain/user-config';
import { ensureActivePolicy } from '../policy/initial-policy.js';
import { lastLogLine } from '../session/log-tail.js';
import { waitForServices } from './readiness.js';
import { clearStaleStack } from './stale-stack.js';
import { provideStackNats, type StackNats } from './stack-nats.js';
import { logFileOf, stackPaths, type StackPaths } from './stack-paths.js';
import {
  assertServicesBuilt,
  serviceEntryPath,
  serviceEnvironment,
  stackServiceNames,
  type ServiceLaunchSettings,
} from './stack-services.js';
import { claimStackFile, type StackStateFile } from './stack-state.js';
import { superviseProcess, type SupervisedProcess } from './supervised-process.js';
import { connectCliBus } from '../cli-bus.js';
import { signalBridgeStackSettings, type SignalStackOptions } from '../signal/signal-stack-settings.js';

/** Options for {@link runLocalStack}. */
export interface LocalStackOptions {
  /** IRONCURTAIN_HOME, absolute. */
  home: string;
  env: Record<string, string | undefined>;
  /** Each service's share of config.json (`serviceSettingsOf`), read once by the command; the environment wins. */
  serviceSettings: ServiceSettings;
  supervisorPid: number;
  /** The node binary the services run on (the CLI's own). */
  nodePath: string;
  readyTimeoutMs: number;
  /** Aborted on SIGINT/SIGTERM: stop the stack and return. */
  stopRequested: AbortSignal;
  report(line: string): void;
  /** Called once every service answers `$SRV.PING` (e.g. `start` then connects its session). */
  onReady?(): void;
  /** Called when the private nats-server dies unasked, with how and its log file; the stack then stops. */
  onNatsLost?(message: string): void;
  /**
   * Given by `up` only: Signal's settings, so the stack runs signal-cli-rest-api when config.json configures Signal
   * and hands the signal-bridge its SIGNAL_API_URL. Stacks started for one session or a key check leave it out.
   */
  signal?: SignalStackOptions;
}

const serviceStopGraceMs = 10_000;
/** After nats-server died: no service can finish anything without the bus (a stop would only wait out timeouts). */
const serviceStopGraceWithoutBusMs = 3000;
const natsStopGraceMs = 5000;

/**
 * Runs the local stack until it is asked to stop: NATS (private or NATS_URL), the seven services under supervision,
 * and run/stack.json describing them. Resolves with the exit code once everything it started has exited.
 */
export async function runLocalStack(options: LocalStackOptions): Promise<number> {
  const paths = stackPaths(options.home);
  const { LOG_LEVEL: logLevel } = loadEnv(
    baseServiceEnv.pick({ LOG_LEVEL: true }),
    options.env,
    'ironcurtain up',
  );
  await assertServicesBuilt(stackServiceNames);
  await prepareDirectories(paths);
  await clearStaleStack(paths.stackFile, options.report);
  const state = await claimStackFile(paths.stackFile, {
    natsUrl: null,
    natsPid: null,
    cliCredentials: null,
    supervisorPid: options.supervisorPid,
    services: {},
    startedAt: new Date().toISOString(),
  });
  try {
    const launch = {
      logLevel,
      home: paths.home,
      inherited: { PATH: options.env['PATH'], HOME: options.env['HOME'] },
      configured: options.serviceSettings,
      secrets: options.env,
      settings: {
        ...(await egressSettings(options.env)),
        'signal-bridge':
          options.signal === undefined
            ? {}
            : await signalBridgeStackSettings(options.signal, paths.home, options.env, options.report),
      },
    };
    return await runClaimedStack(options, paths, state, launch);
  } finally {
    await state.remove();
    await rm(paths.natsConfigFile, { force: true });
  }
}

/**
 * The egress listens where EGRESS_PORT says, else on a free port chosen now (two stacks on one machine must not
 * collide), and the orchestrator and the router (its auto-approver) are told where that is.
 */
async function egressSettings(env: Record<string, string | undefined>) {
  const port = env['EGRESS_PORT'] ?? String(await freeLoopbackPort());
  const host = env['EGRESS_HOST'] ?? '127.0.0.1';
  const egressUrl = `http://${host}:${port}`;
  return {
    'mitm-egress': { EGRESS_PORT: port },
    'session-orchestrator': { ORCH_EGRESS_URL: env['ORCH_EGRESS_URL'] ?? egressUrl },
    'escalation-router': { ESCALATION_EGRESS_URL: env['ESCALATION_EGRESS_URL'] ?? egressUrl },
  };
}

async function prepareDirectories(paths: StackPaths): Promise<void> {
  for (const directory of [paths.home, paths.runDirectory, paths.logDirectory, paths.natsStoreDirectory]) {
    await mkdir(directory, { recursive: true, mode: 0o700 });
  }
  // run/ holds passwords; tighten it even if it was created looser before.
  await chmod(paths.runDirectory, 0o700);
}

async function runClaimedStack(
  options: LocalStackOptions,
  paths: StackPaths,
  state: StackStateFile,
  launch: ServiceLaunchSettings,
): Promise<number> {
  const nats = await provideStackNats(options.env, paths, stackServiceNames);
  const natsFailed = new AbortController();
  nats.server?.onUnexpectedExit((reason) => {
    const logFile = logFileOf(paths, 'nats-server');
    options.report(`nats-server ${reason}; stopping IronCurtain (log: ${logFile})`);
    options.onNatsLost?.(`nats-server ${reason} (log: ${logFile})`);
    natsFailed.abort();
  });
  const stopSignal = AbortSignal.any([options.stopRequested, natsFailed.signal]);
  const services = superviseServices(options, paths, state, nats, launch);
  try {
    await state.update((current) => {
      current.natsUrl = nats.url;
      current.natsPid = nats.server?.pid ?? null;
      current.cliCredentials = nats.cliCredentials;
    });
    if (nats.server !== undefined) {
      options.report(`started nats-server (PID ${nats.server.pid}) on ${nats.url}`);
    }
    await ensureActivePolicy(nats.cli, paths.home, options.report);
    await Promise.all(services.map((service) => service.start()));
    const isReady = await awaitReadiness(options, nats, stopSignal);
    if (isReady) {
      options.onReady?.();
      await untilAborted(stopSignal);
    }
    // A dead nats-server or a start that never got ready is a failure; being asked to stop, even mid-start, is not.
    if (natsFailed.signal.aborted) return 1;
    return isReady || options.stopRequested.aborted ? 0 : 1;
  } finally {
    options.report('stopping IronCurtain…');
    const graceMs = natsFailed.signal.aborted ? serviceStopGraceWithoutBusMs : serviceStopGraceMs;
    await Promise.all(services.map((service) => service.stop(graceMs)));
    await nats.server?.stop(natsStopGraceMs);
    options.report('IronCurtain stopped');
  }
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

// Created before any is started, so the caller can stop every one that did start even if another fails to.
function superviseServices(
  options: LocalStackOptions,
  paths: StackPaths,
  state: StackStateFile,
  nats: StackNats,
  launch: ServiceLaunchSettings,
): SupervisedProcess[] {
  const recordPid = (name: string, pid: number | null): void => {
    state
      .update((current) => void (current.services[name] = pid))
      .catch((error: unknown) =>
        options.report(`cannot update ${paths.stackFile}: ${(error as Error).message}`),
      );
  };
  return stackServiceNames.map((name) => {
    const logFile = logFileOf(paths, name);
    return superviseProcess({
      command: options.nodePath,
      args: [serviceEntryPath(name)],
      env: serviceEnvironment(nats.forService(name), launch, name),
      logFile,
      events: {
        started(pid, isRestart) {
          options.report(`${isRestart ? 'restarted' : 'started'} ${name} (PID ${pid})`);
          recordPid(name, pid);
        },
        exited(reason, restartDelayMs) {
          recordPid(name, null);
          void reportExit(options, name, reason, restartDelayMs, logFile);
        },
      },
    });
  });
}

async function reportExit(
  options: LocalStackOptions,
  name: string,
  reason: string,
  restartDelayMs: number,
  logFile: string,
): Promise<void> {
  // After a crash the last log line usually says why; after a kill by signal it is just the last thing it did.
  const lastLine = reason.startsWith('exited') ? await lastLogLine(logFile) : undefined;
  const why = lastLine === undefined ? '' : ` (last log line: ${lastLine})`;
  options.report(`${name} ${reason}${why}; restarting in ${restartDelayMs} ms (log: ${logFile})`);
}

async function awaitReadiness(
  options: LocalStackOptions,
  nats: StackNats,
  stopSignal: AbortSignal,
): Promise<boolean> {
  const bus = await connectCliBus(nats.cli);
  try {
    const missing = await waitForServices({
      bus,
      names: stackServiceNames,
      timeoutMs: options.readyTimeoutMs,
      signal: stopSignal,
    });
    if (stopSignal.aborted) return false;
    if (missing.length === 0) {
      options.report(`IronCurtain is up: ${nats.url} (${stackServiceNames.length} services)`);
      return true;
    }
    options.report(
      `not ready after ${options.readyTimeoutMs / 1000} s: no $SRV.PING answer from ${missing.join(', ')}. ` +
        `See their logs in ${logFileOf(stackPaths(options.home), '<service>')}.`,
    );
    return false;
  } finally {
    await bus.close();
  }
}

/** A TCP port free on 127.0.0.1 at the moment of asking (for the egress of a private stack). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
