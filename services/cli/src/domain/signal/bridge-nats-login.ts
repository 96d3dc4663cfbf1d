import { readFile } from 'node:fs/promises';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { isProcessAlive } from '../stack/process-control.js';
import { stackPaths } from '../stack/stack-paths.js';
import type { NatsClientSettings } from '../stack/stack-services.js';
import { readStackState } from '../stack/stack-state.js';

const bridgeUser = 'signal-bridge';

/** How `ironcurtain bot` logs its signal-bridge in, and the stack's own bridge when the local stack runs one. */
export interface BridgeNatsLogin {
  readonly nats: NatsClientSettings;
  /** The PID of the signal-bridge `ironcurtain up` supervises, when there is one. */
  readonly stackBridgePid: number | undefined;
}

/**
 * With NATS_URL: that server and the login the environment gives (for the compose stack, the signal-bridge's own
 * seed: `--nats-nkey .deploy/secrets/signal-bridge.nk`). Otherwise the running local stack's server, logged in as the
 * `signal-bridge` user of the config `ironcurtain up` wrote (`run/nats-server.conf`, 0600). No stack: an error saying
 * to start one.
 */
export async function bridgeNatsLogin(
  env: Record<string, string | undefined>,
  home: string,
): Promise<BridgeNatsLogin> {
  const url = nonEmpty(env['NATS_URL']);
  if (url !== undefined) {
    return {
      nats: {
        url,
        user: nonEmpty(env['NATS_USER']),
        password: env['NATS_PASSWORD'],
        credentialsFile: nonEmpty(env['NATS_CREDS']),
        nkeySeedFile: nonEmpty(env['NATS_NKEY_SEED_FILE']),
      },
      stackBridgePid: undefined,
    };
  }
  const paths = stackPaths(home);
  const state = await readStackState(paths.stackFile);
  const start =
    "start it with `ironcurtain up` (same IRONCURTAIN_HOME), or give NATS_URL and the bridge's login";
  if (state === undefined || state === 'unreadable' || state.natsUrl === null) {
    throw new AppError(
      ErrorCode.Unavailable,
      `no IronCurtain stack is running (no ${paths.stackFile}): ${start}`,
    );
  }
  if (!isProcessAlive(state.supervisorPid)) {
    throw new AppError(
      ErrorCode.Unavailable,
      `the stack in ${paths.stackFile} is not running (supervisor PID ${state.supervisorPid} is gone): ${start}`,
    );
  }
  if (state.natsPid === null) {
    throw new AppError(
      ErrorCode.Unavailable,
      `the running stack uses the NATS server ${state.natsUrl} of its environment: run \`ironcurtain bot\` with ` +
        "the same NATS_URL and the signal-bridge's login (NATS_NKEY_SEED_FILE, NATS_CREDS or NATS_USER/NATS_PASSWORD)",
    );
  }
  const password = passwordOf(await readFile(paths.natsConfigFile, 'utf8').catch(() => ''), bridgeUser);
  if (password === undefined) {
    throw new AppError(
      ErrorCode.Unavailable,
      `${paths.natsConfigFile} holds no login for ${bridgeUser}: restart \`ironcurtain up\``,
    );
  }
  const bridgePid = state.services[bridgeUser];
  return {
    nats: { url: state.natsUrl, user: bridgeUser, password },
    stackBridgePid: typeof bridgePid === 'number' ? bridgePid : undefined,
  };
}

/**
 * The password of `user` in the nats-server config `ironcurtain up` writes, where names and passwords are JSON
 * strings (`{ user: "signal-bridge", password: "…", permissions: … }`).
 */
export function passwordOf(configText: string, user: string): string | undefined {
  const entry = /\{ user: ("(?:[^"\\]|\\.)*"), password: ("(?:[^"\\]|\\.)*")/g;
  for (const match of configText.matchAll(entry)) {
    if (JSON.parse(match[1] as string) === user) return JSON.parse(match[2] as string) as string;
  }
  return undefined;
}

/**
 * True when the process `pid` (the stack's signal-bridge) was started with Signal settings: a bridge with
 * SIGNAL_API_URL and SIGNAL_BOT_NUMBER in its environment already serves Signal, and a second would answer every
 * message twice. False when it has none, or its environment cannot be read (no /proc).
 */
export async function servesSignal(pid: number): Promise<boolean> {
  const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
  const names = new Set(environ.split('\0').map((entry) => entry.slice(0, entry.indexOf('='))));
  return names.has('SIGNAL_API_URL') && names.has('SIGNAL_BOT_NUMBER');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
