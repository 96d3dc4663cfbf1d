import { resolve } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { Caller } from '@ironcurtain/proto-schemas';
import { deployLayoutOf } from './deploy/deploy-layout.js';
import { readPersonCredentials } from './deploy/person-credentials.js';
import { isProcessAlive } from './stack/process-control.js';
import { stackPaths } from './stack/stack-paths.js';
import type { NatsClientSettings } from './stack/stack-services.js';
import { readStackState } from './stack/stack-state.js';

/** How the CLI logs in, and as whom it asks when it is a person's (`--creds`) rather than the workstation's. */
export interface CliNatsSettings extends NatsClientSettings {
  /** A person of a team deployment: their name and role (connection `ironcurtain-<name>`, caller `{ name, role }`). */
  person?: Caller | undefined;
}

/** The logins other than a person's credentials; at most one may be set. */
const otherLogins = ['NATS_NKEY_SEED_FILE', 'NATS_CREDS', 'NATS_USER'] as const;

/**
 * How the CLI reaches the stack's NATS: a person's credentials (`IRONCURTAIN_CREDS`, set by `--creds`: their seed
 * and the `NAME.json` beside it) with `NATS_URL`; else `NATS_URL` (with `NATS_NKEY_SEED_FILE`, `NATS_CREDS` or
 * `NATS_USER`/`NATS_PASSWORD`) when set — the global `--nats`/`--nats-nkey` options set those — else the local
 * stack's `run/stack.json` (its URL and the `cli` user's password), else an error saying how to get one.
 */
export async function resolveCliNats(
  env: Record<string, string | undefined>,
  home: string,
): Promise<CliNatsSettings> {
  const url = nonEmpty(env['NATS_URL']);
  const personalCredentials = nonEmpty(env['IRONCURTAIN_CREDS']);
  if (personalCredentials !== undefined) {
    // Never the local stack: a person's credentials belong to a team deployment's server.
    if (url === undefined) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        '--creds (IRONCURTAIN_CREDS) logs in to a team deployment: give its server with --nats <url> or NATS_URL',
      );
    }
    assertNoOtherLogin(env);
    const credentials = await readPersonCredentials(personalCredentials);
    return { url, nkeySeedFile: credentials.seedFile, person: credentials.caller };
  }
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

/** The global options `--nats <url>`, `--nats-nkey <file>` and `--creds <file>`. */
export interface NatsCommandLineOptions {
  nats?: string | undefined;
  natsNkey?: string | undefined;
  /** A person's nkey seed file (`deploy user add`), with `NAME.json` beside it. */
  creds?: string | undefined;
}

/**
 * Checks a person's credentials (`IRONCURTAIN_CREDS`) before any command runs, so that a loose seed or a missing or
 * broken `NAME.json` is one clear error; and that no other login is set beside them. Nothing to check without them.
 */
export async function checkCliCredentials(env: Record<string, string | undefined>): Promise<void> {
  const personalCredentials = nonEmpty(env['IRONCURTAIN_CREDS']);
  if (personalCredentials === undefined) return;
  assertNoOtherLogin(env);
  await readPersonCredentials(personalCredentials);
}

function assertNoOtherLogin(env: Record<string, string | undefined>): void {
  const others = otherLogins.filter((name) => nonEmpty(env[name]) !== undefined);
  if (others.length > 0) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `IRONCURTAIN_CREDS (--creds) is a login, and so is ${others.join(', ')}: set only one`,
    );
  }
}

/**
 * The environment the commands see once the global NATS options are applied. `--nats` sets `NATS_URL` (so no
 * command starts a private local stack); `--nats-nkey` sets `NATS_NKEY_SEED_FILE` and `--creds` sets
 * `IRONCURTAIN_CREDS` (a person's seed), each replacing any other login of the environment. With `--nats` and no
 * login at all, `./.deploy/secrets/cli.nk` (what `ironcurtain deploy init` wrote in the folder of docker-compose.yml)
 * is used when it exists.
 */
export function environmentWithNatsOptions(
  env: Record<string, string | undefined>,
  options: NatsCommandLineOptions,
  cwd: string,
  fileExists: (path: string) => boolean,
): Record<string, string | undefined> {
  const url = nonEmpty(options.nats);
  const seedFile = nonEmpty(options.natsNkey);
  const personalCredentials = nonEmpty(options.creds);
  if (url === undefined && seedFile === undefined && personalCredentials === undefined) return env;
  if (seedFile !== undefined && personalCredentials !== undefined) {
    throw new AppError(ErrorCode.ConfigInvalid, '--nats-nkey and --creds are both logins: give only one');
  }
  if (url === undefined && nonEmpty(env['NATS_URL']) === undefined) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      seedFile === undefined
        ? '--creds logs in to a team deployment: give its server with --nats <url> (or NATS_URL)'
        : '--nats-nkey needs --nats <url> (or NATS_URL): the local stack logs the CLI in by itself',
    );
  }
  const result: Record<string, string | undefined> = {
    ...env,
    ...(url === undefined ? {} : { NATS_URL: url }),
  };
  const login = seedFile ?? personalCredentials;
  if (login !== undefined) {
    for (const name of [
      'NATS_USER',
      'NATS_PASSWORD',
      'NATS_CREDS',
      'NATS_NKEY_SEED_FILE',
      'IRONCURTAIN_CREDS',
    ])
      delete result[name];
    const variable = seedFile === undefined ? 'IRONCURTAIN_CREDS' : 'NATS_NKEY_SEED_FILE';
    return { ...result, [variable]: resolve(cwd, login) };
  }
  const hasLogin = [...otherLogins, 'IRONCURTAIN_CREDS'].some((name) => nonEmpty(env[name]) !== undefined);
  const deployedSeed = deployLayoutOf(cwd).seedFileOf('cli');
  if (!hasLogin && fileExists(deployedSeed)) return { ...result, NATS_NKEY_SEED_FILE: deployedSeed };
  return result;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
