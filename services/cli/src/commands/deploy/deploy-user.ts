import { isAbsolute, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { createDockerEngine } from '@ironcurtain/docker-engine';
import { isPersonRole, personNameProblem, personRoles, type PersonRole } from '@ironcurtain/proto-schemas';
import type { CliContext } from '../../cli-context.js';
import { addPerson, listPeople, revokePerson } from '../../domain/deploy/deploy-people.js';
import {
  machineReloadPorts,
  reloadNatsServer,
  type NatsReloadTarget,
} from '../../domain/deploy/nats-reload.js';
import type { PersonRecord } from '../../domain/deploy/person-record.js';

/** The options every `deploy user` command that changes people takes. */
interface ReloadOptions {
  dir?: string;
  natsPid?: string;
  reload?: boolean;
  composeProject?: string;
}

const usageExitCode = 2;

/**
 * `ironcurtain deploy user add|list|revoke`: the people of a team deployment, each an nkey user of nats-server with
 * the permissions of their role; a change reloads the running nats-server.
 */
export function registerDeployUserCommands(deploy: Command, context: CliContext): void {
  const user = deploy.command('user').description('the people of a team deployment (their NATS logins)');
  withReloadOptions(
    user
      .command('add <name>')
      .description(
        'give NAME a NATS login: an nkey seed in .deploy/people/NAME.nk (0600) with NAME.json beside it, the ' +
          'permissions of their role in .deploy/nats-people.conf, then reload nats-server',
      )
      .option(
        '--role <role>',
        `${personRoles.join(' | ')} (default: member; with --rotate: their current role)`,
      )
      .option('--rotate', 'give an existing person a new key (the old one stops working at the reload)'),
  ).action(async (name: string, options: ReloadOptions & { role?: string; rotate?: boolean }) => {
    const problem =
      personNameProblem(name) ??
      (options.role === undefined || isPersonRole(options.role)
        ? undefined
        : `--role is one of ${personRoles.join(', ')}`);
    if (problem !== undefined) {
      context.stderr.write(`ironcurtain: cannot add ${JSON.stringify(name)}: ${problem}\n`);
      context.setExitCode(usageExitCode);
      return;
    }
    const target = reloadTargetOf(context, options);
    if (target === undefined) return;
    const result = await addPerson({
      directory: directoryOf(context, options),
      name,
      role: options.role as PersonRole | undefined,
      shouldRotate: options.rotate === true,
      writerIds: context.userIds,
      now: new Date(),
    });
    const shown = shownPath(context.cwd);
    context.stdout.write(
      `${result.isRotation ? 'gave a new key to' : 'added'} ${result.record.name} (${result.record.role}), key ` +
        `${fingerprintOf(result.record.publicKey)}:\n` +
        `  ${shown(result.seedFile)}  (0600) the nkey seed: hand it over privately, with ${shown(result.recordFile)}\n` +
        `  ${shown(result.peopleFile)}  the nats-server users (${result.peopleCount} people)\n` +
        `they run: ironcurtain --nats nats://HOST:4222 --creds ${result.record.name}.nk <command>\n`,
    );
    await reportReload(context, target);
  });

  user
    .command('list')
    .description('the people of the deployment: name, role, key fingerprint, added at (never a seed)')
    .option('--dir <dir>', 'the folder of docker-compose.yml (default: the current folder)')
    .option('--json', 'one JSON object: { people: [{ name, role, publicKey, addedAt }] }')
    .action(async (options: { dir?: string; json?: boolean }) => {
      const people = await listPeople(directoryOf(context, options));
      context.stdout.write(options.json === true ? `${JSON.stringify({ people })}\n` : peopleTable(people));
      context.setExitCode(0);
    });

  withReloadOptions(
    user
      .command('revoke <name>')
      .description(
        "remove NAME's login (their seed and record, their user in nats-server), then reload nats-server",
      ),
  ).action(async (name: string, options: ReloadOptions) => {
    const target = reloadTargetOf(context, options);
    if (target === undefined) return;
    const result = await revokePerson({
      directory: directoryOf(context, options),
      name,
      writerIds: context.userIds,
    });
    context.stdout.write(
      `revoked ${result.record.name} (${result.record.role}), key ${fingerprintOf(result.record.publicKey)}; ` +
        `${shownPath(context.cwd)(result.peopleFile)} lists ${result.peopleCount} people\n`,
    );
    await reportReload(context, target);
  });
}

function withReloadOptions(command: Command): Command {
  return command
    .option('--dir <dir>', 'the folder of docker-compose.yml (default: the current folder)')
    .option(
      '--compose-project <name>',
      "the compose project whose nats container is reloaded (default: COMPOSE_PROJECT_NAME, else the folder's)",
    )
    .option('--nats-pid <pid>', 'reload a nats-server running on the host instead: SIGHUP to this PID')
    .option('--no-reload', 'write the files only; reload nats-server yourself');
}

function reloadTargetOf(context: CliContext, options: ReloadOptions): NatsReloadTarget | undefined {
  if (options.reload === false) return { kind: 'none' };
  if (options.natsPid !== undefined) {
    const pid = /^\d{1,10}$/.test(options.natsPid) ? Number(options.natsPid) : 0;
    if (pid <= 1) {
      context.stderr.write('ironcurtain: --nats-pid takes the PID of nats-server (a whole number above 1)\n');
      context.setExitCode(usageExitCode);
      return undefined;
    }
    return { kind: 'process', pid };
  }
  const project = options.composeProject ?? context.env['COMPOSE_PROJECT_NAME'];
  return { kind: 'compose', directory: directoryOf(context, options), project: project || undefined };
}

/** Reloads and prints what was done; a reload that could not be done is an error after the files are written. */
async function reportReload(context: CliContext, target: NatsReloadTarget): Promise<void> {
  const ports = machineReloadPorts(createDockerEngine(context.env['DOCKER_HOST']), (pid, signal) =>
    process.kill(pid, signal),
  );
  try {
    context.stdout.write(`${await reloadNatsServer(target, ports)}\n`);
    context.setExitCode(0);
  } catch (error) {
    context.stderr.write(
      `ironcurtain: the files are written, but nats-server was not reloaded: ${(error as Error).message}. ` +
        'Reload it yourself (`docker compose kill -s HUP nats`, or `nats-server --signal reload` on a host), ' +
        'or run again with --nats-pid PID\n',
    );
    context.setExitCode(1);
  }
}

function directoryOf(context: CliContext, options: { dir?: string }): string {
  return resolve(context.cwd, options.dir ?? '.');
}

/** A public key as people compare it with the server's log: its first 8 and last 4 characters. */
function fingerprintOf(publicKey: string): string {
  return `${publicKey.slice(0, 8)}…${publicKey.slice(-4)}`;
}

function peopleTable(people: readonly PersonRecord[]): string {
  if (people.length === 0) return 'no people yet (`ironcurtain deploy user add NAME`)\n';
  const rows = [
    ['NAME', 'ROLE', 'KEY', 'ADDED'],
    ...people.map((person) => [person.name, person.role, fingerprintOf(person.publicKey), person.addedAt]),
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

function shownPath(cwd: string): (path: string) => string {
  return (path) => {
    const fromCwd = relative(cwd, path);
    return fromCwd === '' || fromCwd.startsWith('..') || isAbsolute(fromCwd) ? path : fromCwd;
  };
}
