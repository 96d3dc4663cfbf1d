import { AppError, ErrorCode } from '@ironcurtain/errors';
import { isProcessAlive } from './stack/process-control.js';
import { stackPaths } from './stack/stack-paths.js';
import type { NatsClientSettings } from './stack/stack-services.js';
import { readStackState } from './stack/stack-state.js';

/**
 * How the CLI reaches the stack's NATS: `NATS_URL` (with `NATS_CREDS` or `NATS_USER`/`NATS_PASSWORD`) when set,
 * else the local stack's `run/stack.json` (its URL and the `cli` user's password), else an error saying how to get
 * one.
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
    };
  }
  const { stackFile } = stackPaths(home);
  const state = await readStackState(stackFile);
  const howToFix =
    'start the local stack with `ironcurtain up` (same IRONCURTAIN_HOME), or set NATS_URL ' +
    '(and NATS_CREDS or NATS_USER/NATS_PASSWORD) to reach another one';
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
