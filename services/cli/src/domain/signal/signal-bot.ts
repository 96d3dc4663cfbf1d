import { spawn } from 'node:child_process';
import { baseServiceEnv, loadEnv } from '@ironcurtain/config';
import { createDockerEngine } from '@ironcurtain/docker-engine';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { serviceSettingsOf, signalApiUrlVariable, type ResolvedUserConfig } from '@ironcurtain/user-config';
import type { TextOutput } from '../../cli-context.js';
import { describeExit, stopChildProcess } from '../stack/process-control.js';
import { assertServicesBuilt, serviceEntryPath, serviceEnvironment } from '../stack/stack-services.js';
import { bridgeNatsLogin, servesSignal } from './bridge-nats-login.js';
import { maskPhoneNumber } from './phone-number.js';
import { provideSignalApi } from './signal-api-location.js';

/** What `ironcurtain bot` runs with. */
export interface SignalBotOptions {
  home: string;
  env: Record<string, string | undefined>;
  config: ResolvedUserConfig;
  nodePath: string;
  userIds: { uid: number; gid: number } | undefined;
  /** Where the bridge's log lines go (the terminal, through the CLI's safety layer). */
  output: TextOutput;
  report(line: string): void;
  /** Aborted on SIGINT/SIGTERM/SIGHUP: stop the bridge and return. */
  stopRequested: AbortSignal;
}

const stopGraceMs = 10_000;
const bridgeName = 'signal-bridge';

/**
 * Runs the signal-bridge in the foreground against the running stack, as `up` would run it: its dist entry, its
 * NATS login, its share of config.json and SIGNAL_API_URL (the container the CLI runs, or the environment's). Refuses
 * when Signal is not configured, no stack runs, or the stack's own bridge already serves Signal. Resolves with the
 * exit code: 0 when stopped by a signal, else the bridge's.
 */
export async function runSignalBot(options: SignalBotOptions): Promise<number> {
  const signal = assertSignalConfigured(options.config);
  const login = await bridgeNatsLogin(options.env, options.home);
  if (login.stackBridgePid !== undefined && (await servesSignal(login.stackBridgePid))) {
    throw new AppError(
      ErrorCode.Conflict,
      `the stack's signal-bridge (PID ${login.stackBridgePid}) already serves Signal for bot ` +
        `${maskPhoneNumber(signal.botNumber)}; a second one would answer every message twice. ` +
        'To run it by hand, stop `ironcurtain up` first',
    );
  }
  await assertServicesBuilt([bridgeName]);
  const location = await provideSignalApi({
    env: options.env,
    home: options.home,
    config: options.config,
    engine: createDockerEngine(options.env['DOCKER_HOST']),
    userIds: options.userIds,
  });
  const { LOG_LEVEL: logLevel } = loadEnv(
    baseServiceEnv.pick({ LOG_LEVEL: true }),
    options.env,
    'ironcurtain bot',
  );
  const environment = serviceEnvironment(
    login.nats,
    {
      logLevel,
      home: options.home,
      inherited: { PATH: options.env['PATH'], HOME: options.env['HOME'] },
      configured: serviceSettingsOf(options.config),
      secrets: options.env,
      settings: { [bridgeName]: { [signalApiUrlVariable]: location.url } },
    },
    bridgeName,
  );
  options.report(
    `running ${bridgeName} for bot ${maskPhoneNumber(signal.botNumber)} and ${maskPhoneNumber(signal.recipientNumber)}` +
      ` (signal-cli-rest-api at ${location.url}, NATS ${login.nats.url}); Ctrl-C stops it`,
  );
  return runBridge(options, environment);
}

function assertSignalConfigured(config: ResolvedUserConfig): { botNumber: string; recipientNumber: string } {
  const signal = config.signal;
  const missing = [
    ...(signal?.botNumber === undefined ? ['signal.botNumber'] : []),
    ...(signal?.recipientNumber === undefined ? ['signal.recipientNumber'] : []),
    ...(signal?.recipientIdentityKey === undefined ? ['signal.recipientIdentityKey'] : []),
  ];
  if (signal?.botNumber === undefined || signal.recipientNumber === undefined || missing.length > 0) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `Signal is not configured (config.json has no ${missing.join(', ')}): run \`ironcurtain setup-signal\` first`,
    );
  }
  return { botNumber: signal.botNumber, recipientNumber: signal.recipientNumber };
}

// Like a stack child: stdin is a pipe held open (the bridge stops itself when it closes, so a killed `bot` leaves no
// bridge behind); its output is copied to the terminal through the CLI's safety layer.
function runBridge(options: SignalBotOptions, environment: Record<string, string>): Promise<number> {
  const child = spawn(options.nodePath, [serviceEntryPath(bridgeName)], {
    env: environment,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdin.on('error', () => {});
  child.stdout.setEncoding('utf8').on('data', (text: string) => void options.output.write(text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => void options.output.write(text));
  const stop = (): void => void stopChildProcess(child, stopGraceMs, () => child.stdin.end());
  options.stopRequested.addEventListener('abort', stop, { once: true });
  return new Promise((resolve) => {
    child.once('error', (error) => {
      options.report(`${bridgeName} could not start: ${error.message}`);
      resolve(1);
    });
    child.once('close', (code, signalName) => {
      options.stopRequested.removeEventListener('abort', stop);
      if (options.stopRequested.aborted) return resolve(0);
      options.report(`${bridgeName} ${describeExit(code, signalName)}`);
      resolve(code === 0 ? 0 : 1);
    });
  });
}
