import { resolve } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { deployLayoutOf } from './deploy/deploy-layout.js';
import { isProcessAlive } from './stack/process-control.js';
import { stackPaths } from './stack/stack-paths.js';
import type { NatsClientSettings } from './stack/stack-services.js';
import { readStackState } from './stack/stack-state.js';

/**
 * How the CLI reaches the stack's NATS: `NATS_URL` (with `NATS_NKEY_SEED_FILE`, `NATS_CREDS` or
 * `NATS_USER`/`NATS_PASSWORD`) when set — the global `--nats`/`--nats-nkey` options set those — else the local
 * stack's `run/stack.json` (its URL and the `cli` user's password), else an error saying how to get one.
 */
export async function resolveCliNats(
  env: Record<string, string | undefined>,
  home: string,
): Promise<NatsClientSettings> {
  const url = nonEmpty(env['NATS_URL']);
  if (url !== undefined) {
    return {
      url,
      user: nonEmpty(env['NATS_USER']),
      password: env['NATS_PASSWORD'],
      credentialsFile: nonEmpty(env['NATS_CREDS']),
      nkeySeedFile: nonEmpty(env['NATS_NKEY_SEED_FILE']),
    };
  }
  const { stackFile } = stackPaths(home);
  const state = await readStackState(stackFile);
  const howToFix =
    'start the local stack with `ironcurtain up` (same IRONCURTAIN_HOME), or reach another one with ' +
    '`ironcurtain --nats <url>` (the compose stack: `--nats nats://127.0.0.1:4222`) or NATS_URL';
  if (state === undefined || state === 'unreadable' || state.natsUrl === null) {
    const why = state === 'unreadable' ? `${stackFile} is not a stack file` : `there is no ${stackFile}`;
    throw new AppError(ErrorCode.Unavailable, `no IronCurtain stack to talk to: ${why}; ${howToFix}`);
  }
  if (!isProcessAlive(state.supervisorPid)) {
    throw new AppError(
      ErrorCode.Unavailable,
      `the stack in ${stackFile} is not running (supervisor PID ${state.supervisorPid} is gone); ${howToFix}`,
    );
  }
  return {
    url: state.natsUrl,
    user: state.cliCredentials?.user,
    password: state.cliCredentials?.password,
  };
}

/** The global options `--nats <url>` and `--nats-nkey <file>`. */
export interface NatsCommandLineOptions {
  nats?: string | undefined;
  natsNkey?: string | undefined;
}

/**
 * The environment the commands see once the global NATS options are applied. `--nats` sets `NATS_URL` (so no
 * command starts a private local stack); `--nats-nkey` sets `NATS_NKEY_SEED_FILE` and replaces any other login of the
 * environment. With `--nats` and no login at all, `./.deploy/secrets/cli.nk` (what `ironcurtain deploy init` wrote
 * in the folder of docker-compose.yml) is used when it exists.
 */
export function environmentWithNatsOptions(
  env: Record<string, string | undefined>,
  options: NatsCommandLineOptions,
  cwd: string,
  fileExists: (path: string) => boolean,
): Record<string, string | undefined> {
  const url = nonEmpty(options.nats);
  const seedFile = nonEmpty(options.natsNkey);
  if (url === undefined && seedFile === undefined) return env;
  if (url === undefined && nonEmpty(env['NATS_URL']) === undefined) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      '--nats-nkey needs --nats <url> (or NATS_URL): the local stack logs the CLI in by itself',
    );
  }
  const result: Record<string, string | undefined> = {
    ...env,
    ...(url === undefined ? {} : { NATS_URL: url }),
  };
  if (seedFile !== undefined) {
    for (const name of ['NATS_USER', 'NATS_PASSWORD', 'NATS_CREDS']) delete result[name];
    return { ...result, NATS_NKEY_SEED_FILE: resolve(cwd, seedFile) };
  }
  const hasLogin = ['NATS_NKEY_SEED_FILE', 'NATS_CREDS', 'NATS_USER'].some(
    (name) => nonEmpty(env[name]) !== undefined,
  );
  const deployedSeed = deployLayoutOf(cwd).seedFileOf('cli');
  if (!hasLogin && fileExists(deployedSeed)) return { ...result, NATS_NKEY_SEED_FILE: deployedSeed };
  return result;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
