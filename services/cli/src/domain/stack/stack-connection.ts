import { type Bus } from '@ironcurtain/bus';
import { errorCodeOf } from '@ironcurtain/errors';
import type { ServiceSettings } from '@ironcurtain/user-config';
import { resolveCliNats } from '../cli-nats.js';
import { runLocalStack } from './local-stack.js';
import { logFileOf, stackPaths } from './stack-paths.js';
import { connectCliBus } from '../cli-bus.js';
import { watchBusLoss } from './bus-loss.js';

/** A bus connection to a running stack, and the stack itself when this process started it. */
export interface StackConnection {
  readonly bus: Bus;
  /** True when this command started the local stack (it stops it again on close). */
  readonly isOwnStack: boolean;
  /**
   * Resolves with what happened when the stack is lost: its private nats-server died (then the stack it started is
   * stopping), or the connection closed or could not reconnect within 10 s. Never after {@link close}.
   */
  readonly lost: Promise<string>;
  close(): Promise<void>;
}

/** What {@link connectToStack} needs from the command. */
export interface StackConnectionOptions {
  home: string;
  env: Record<string, string | undefined>;
  /** Each service's share of config.json, for the stack this may start (`serviceSettingsOf`). */
  serviceSettings: ServiceSettings;
  pid: number;
  nodePath: string;
  readyTimeoutMs: number;
  /** Progress lines (starting the stack). */
  report(line: string): void;
}

/**
 * Connects to the stack the CLI would talk to (NATS_URL, or the local stack's run/stack.json); when there is none
 * and NATS_URL is not set, starts the local stack inside this process first, as `ironcurtain up` would, and stops
 * it on close.
 */
export async function connectToStack(options: StackConnectionOptions): Promise<StackConnection> {
  try {
    const bus = await connectCli(options);
    const watch = watchBusLoss(bus);
    return {
      bus,
      isOwnStack: false,
      lost: watch.lost,
      async close() {
        watch.stop();
        await bus.close();
      },
    };
  } catch (error) {
    if (errorCodeOf(error) !== 'UNAVAILABLE' || options.env['NATS_URL'] !== undefined) throw error;
  }
  options.report('no IronCurtain stack is running; starting one for this session…');
  const stopStack = new AbortController();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let natsLost: (message: string) => void = () => undefined;
  const stackLost = new Promise<string>((resolve) => (natsLost = resolve));
  const stackExit = runLocalStack({
    home: options.home,
    env: options.env,
    serviceSettings: options.serviceSettings,
    supervisorPid: options.pid,
    nodePath: options.nodePath,
    readyTimeoutMs: options.readyTimeoutMs,
    stopRequested: stopStack.signal,
    // Only what goes wrong is worth showing in a session's terminal; the rest is in the logs.
    report: (line) => {
      if (line.startsWith('not ready') || line.includes('restarting in')) options.report(line);
    },
    onReady: () => markReady(),
    onNatsLost: (message) => natsLost(`the stack's ${message}; stopping the session and the stack`),
  });
  const exitedEarly = stackExit.then((code) => {
    const logs = logFileOf(stackPaths(options.home), '<service>');
    throw new Error(`the local stack did not come up (exit code ${code}); see the logs in ${logs}`);
  });
  exitedEarly.catch(() => undefined); // it rejects at close too, when nobody waits for it any more
  await Promise.race([ready, exitedEarly]);
  const bus = await connectCli(options);
  const watch = watchBusLoss(bus);
  return {
    bus,
    isOwnStack: true,
    // The stack's own report comes first and says more: nats-server died, and how.
    lost: Promise.race([stackLost, watch.lost]),
    async close() {
      watch.stop();
      await bus.close();
      stopStack.abort();
      await stackExit;
    },
  };
}

async function connectCli(options: StackConnectionOptions): Promise<Bus> {
  const settings = await resolveCliNats(options.env, options.home);
  return connectCliBus(settings);
}
