import { isAbsolute, join, relative, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { serviceSettingsOf } from '@ironcurtain/user-config';
import type { CliContext } from '../../cli-context.js';
import {
  initDeployment,
  writeDeploySettings,
  type DeployInitResult,
} from '../../domain/deploy/deploy-init.js';
import { refreshPeopleFile } from '../../domain/deploy/deploy-people.js';
import type { FileOwner } from '../../domain/deploy/private-file.js';
import { invalidUserConfigExitCode, readUserConfigForCommand } from '../../domain/stack/stack-user-config.js';
import { registerDeployUserCommands } from './deploy-user.js';
import { homeOf } from '../policy/policy-options.js';

/** The options of `ironcurtain deploy init`. */
interface DeployInitCommandOptions {
  rotate?: boolean;
  settingsOnly?: boolean;
  uid?: number;
  gid?: number;
}

/** `ironcurtain deploy init [DIR] [--rotate | --settings-only] [--uid N --gid N]`: the identities and config of a compose deployment. */
export function registerDeployCommand(program: Command, context: CliContext): void {
  const deploy = program.command('deploy').description('set up the docker compose deployment');
  deploy
    .command('init [dir]')
    .description(
      'write DIR/.deploy (default DIR: the current folder, where docker-compose.yml is): one NATS nkey per service ' +
        'and the CLI, the nats-server config with their permissions, a PostgreSQL password, and DIR/.env for compose',
    )
    .option('--rotate', 'replace the NATS keys and config of an existing .deploy (then restart the stack)')
    .option(
      '--settings-only',
      "only rewrite config.json's settings in DIR/.env (after changing config.json; then `docker compose up -d`); " +
        'the keys and every other line of .env stay',
    )
    .option(
      '--uid <uid>',
      'the user id the services run as, which owns the secrets (default: yours; as root: SUDO_UID, else 1000)',
      parseId,
    )
    .option(
      '--gid <gid>',
      'the group id the services run as (default: yours; as root: SUDO_GID, else 1000)',
      parseId,
    )
    .action(async (dir: string | undefined, options: DeployInitCommandOptions) => {
      const directory = resolve(context.cwd, dir ?? '.');
      const runAs = runAsOf(context, options);
      // The services' settings come from the config.json of the IRONCURTAIN_HOME this runs with, as for `up`.
      const userConfig = await readUserConfigForCommand(homeOf(context), context.stderr);
      if (userConfig === undefined) {
        context.setExitCode(invalidUserConfigExitCode);
        return;
      }
      if (options.settingsOnly === true) {
        const names = await writeDeploySettings(directory, serviceSettingsOf(userConfig.config));
        context.stdout.write(
          `wrote ${names.length} settings of config.json to ${join(directory, '.env')} (0600); apply them with ` +
            '`docker compose up -d`\n',
        );
        context.setExitCode(0);
        return;
      }
      const writer = context.userIds;
      const shouldChown = writer !== undefined && (writer.uid !== runAs.uid || writer.gid !== runAs.gid);
      const result = await initDeployment({
        directory,
        shouldRotate: options.rotate === true,
        runAs,
        shouldChown,
        serviceSettings: serviceSettingsOf(userConfig.config),
      }).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
        throw new AppError(
          ErrorCode.ConfigInvalid,
          `cannot give the files to uid ${runAs.uid}, gid ${runAs.gid}: only root may (run it with sudo, ` +
            'or drop --uid/--gid)',
          { cause: error },
        );
      });
      // The people file the nats config includes: empty for a new deployment; after --rotate, the people again
      // beside the new service keys it repeats.
      const people = await refreshPeopleFile(directory, shouldChown ? runAs : undefined);
      context.stdout.write(report(result, context.cwd, people));
      context.setExitCode(0);
    });
  registerDeployUserCommands(deploy, context);
}

/** The user of the IronCurtain images (`node`): who the containers run as when root runs `deploy init`. */
const imageUser: FileOwner = { uid: 1000, gid: 1000 };

/**
 * Who the containers run as and own the secrets: --uid/--gid, else the caller — or, when the caller is root, the
 * person who ran `sudo`, else the images' user (1000). Never root: the services run unprivileged, and a secret only
 * root could read would need them to be root.
 */
function runAsOf(context: CliContext, options: { uid?: number; gid?: number }): FileOwner {
  const isRoot = context.userIds?.uid === 0;
  const sudoUid = parseOptionalId(context.env['SUDO_UID']);
  const sudoGid = parseOptionalId(context.env['SUDO_GID']);
  const fallback = isRoot
    ? sudoUid === undefined
      ? imageUser
      : { uid: sudoUid, gid: sudoGid ?? sudoUid }
    : context.userIds;
  const uid = options.uid ?? fallback?.uid;
  const gid = options.gid ?? fallback?.gid;
  if (uid === undefined || gid === undefined) {
    throw new AppError(ErrorCode.ConfigInvalid, 'give the user the services run as with --uid and --gid');
  }
  if (uid === 0) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      'the services must not run as root: run `ironcurtain deploy init` as the user they should run as, ' +
        'or give one with --uid and --gid (e.g. --uid 1000 --gid 1000; the secrets are then owned by it)',
    );
  }
  return { uid, gid };
}

function report(
  result: DeployInitResult,
  cwd: string,
  people: { peopleFile: string; peopleCount: number },
): string {
  const shown = (path: string): string => {
    const fromCwd = relative(cwd, path);
    return fromCwd === '' || fromCwd.startsWith('..') || isAbsolute(fromCwd) ? path : fromCwd;
  };
  const { layout } = result;
  const lines = [
    result.isRotation
      ? `rotated the NATS keys of ${shown(layout.deployDirectory)}:`
      : `wrote the deployment in ${shown(layout.deployDirectory)}:`,
    ...result.users.map(
      ({ principal, seedFile }) => `  ${shown(seedFile)}  (0600) the nkey seed of ${principal}`,
    ),
    result.isPostgresPasswordNew
      ? `  ${shown(layout.postgresPasswordFile)}  (0600) a new PostgreSQL password`
      : `  ${shown(layout.postgresPasswordFile)}  kept (PostgreSQL reads it only when its volume is first made)`,
    `  ${shown(layout.auditWriterPgpassFile)}  (0600) the same password for the audit-writer (pgpass)`,
    `  ${shown(layout.natsConfigFile)}  the nats-server config: public keys and each principal's permissions`,
    `  ${shown(people.peopleFile)}  the people's nats-server users (${people.peopleCount} people; ` +
      '`ironcurtain deploy user add NAME`)',
    `  ${shown(layout.composeEnvFile)}  (0600) ${Object.entries(result.composeEnv)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ')}`,
    `      and ${result.configuredVariables.length} settings of config.json for the services (keys included)`,
    '',
  ];
  const goThere = shown(layout.directory) === layout.directory && layout.directory !== cwd;
  const next = [
    ...(goThere ? [`  cd ${layout.directory}`] : []),
    result.isRotation ? '  docker compose up -d --force-recreate' : '  docker compose up -d',
    '  ironcurtain --nats nats://127.0.0.1:4222 start "your task"',
    '  ironcurtain --nats nats://127.0.0.1:4222 escalations',
  ];
  const heading = result.isRotation
    ? 'restart the stack, so nats-server and every service use the new keys (the old ones no longer log in):'
    : 'next:';
  return [...lines, heading, ...next, ''].join('\n');
}

function parseId(text: string): number {
  const value = parseOptionalId(text);
  if (value === undefined) throw new InvalidArgumentError('expected a whole number (a uid or gid)');
  return value;
}

function parseOptionalId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= 0xffffffff ? value : undefined;
}
