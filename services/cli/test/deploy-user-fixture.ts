// What the `deploy user` tests share: the real `ironcurtain` command run as a person runs it, a deployment written by
// the real `deploy init`, logins with the written seeds, and the permission violations a server reports to a login.
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { connectBus, type Bus } from '@ironcurtain/bus';
import { personConnectionNameOf, type Caller } from '@ironcurtain/proto-schemas';
import { cliEntry, repositoryRoot } from './stack-process.js';

const isRoot = process.getuid?.() === 0;
/** As root (CI) the files are given to another user, as `deploy init --uid --gid` does; otherwise they are ours. */
export const runAs = isRoot
  ? { uid: 4242, gid: 4243 }
  : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
export const runAsArguments = isRoot ? ['--uid', String(runAs.uid), '--gid', String(runAs.gid)] : [];

/** What a run of the command printed and how it ended. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ironcurtain <args>` in `cwd` with only PATH, HOME and IRONCURTAIN_HOME (plus `env`). */
export function ironcurtain(
  args: readonly string[],
  cwd: string,
  home: string,
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliEntry, ...args],
      {
        cwd,
        env: { PATH: process.env['PATH'] ?? '', HOME: home, IRONCURTAIN_HOME: home, ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout,
          stderr,
        }),
    );
  });
}

/** A folder with a deployment the real `ironcurtain deploy init` wrote, and a home for the CLI. */
export interface Deployment {
  directory: string;
  home: string;
  run(args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
  serviceSeedFile(principal: string): string;
  personSeedFile(name: string): string;
  personRecordFile(name: string): string;
  peopleFile: string;
}

export async function makeDeployment(): Promise<Deployment> {
  const directory = await mkdtemp(join(tmpdir(), 'ironcurtain-people-'));
  const home = await mkdtemp(join(tmpdir(), 'ironcurtain-people-home-'));
  const run = (args: readonly string[], env: Record<string, string> = {}) =>
    ironcurtain(args, directory, home, env);
  const init = await run(['deploy', 'init', ...runAsArguments]);
  if (init.code !== 0) throw new Error(`deploy init failed: ${init.stderr}`);
  return {
    directory,
    home,
    run,
    serviceSeedFile: (principal) => join(directory, '.deploy', 'secrets', `${principal}.nk`),
    personSeedFile: (name) => join(directory, '.deploy', 'people', `${name}.nk`),
    personRecordFile: (name) => join(directory, '.deploy', 'people', `${name}.json`),
    peopleFile: join(directory, '.deploy', 'nats-people.conf'),
  };
}

/**
 * The nats-server config of a test server: the service users `deploy init` wrote (a copy, with the listen address,
 * monitoring and JetStream store moved where a test can run them) and the real people file, included by path
 * relative to the config `startNats` writes — nats-server resolves includes against the including file's folder, and
 * both folders are made in the same temporary folder. The people file is included as it is, so that what
 * `deploy user` rewrites is what the server reads on reload.
 */
export async function testServerConfigOf(deployment: Deployment): Promise<string> {
  const written = await readFile(join(deployment.directory, '.deploy', 'nats-server.conf'), 'utf8');
  const services = written
    .replace(/^listen: .*$/m, '')
    .replace(/^http: .*$/m, '')
    .replace(/store_dir: .*$/m, `store_dir: ${JSON.stringify(join(deployment.home, 'jetstream'))}`);
  await writeFile(join(deployment.directory, 'services-under-test.conf'), services);
  const folder = `../${basename(deployment.directory)}`;
  return [
    `include "${folder}/services-under-test.conf"`,
    `include "${folder}/.deploy/nats-people.conf"`,
    '',
  ].join('\n');
}

/**
 * `nats-server -t` on the shipped deploy/nats/nats-server.conf with the written files beside it as compose mounts
 * them (`users.conf`, `people.conf`): whether the server would take the config.
 */
export async function checkShippedNatsConfig(
  deployment: Deployment,
): Promise<{ code: number | null; output: string }> {
  const folder = await mkdtemp(join(tmpdir(), 'ironcurtain-people-shipped-'));
  try {
    await copyFile(
      join(repositoryRoot, 'deploy', 'nats', 'nats-server.conf'),
      join(folder, 'nats-server.conf'),
    );
    await copyFile(join(deployment.directory, '.deploy', 'nats-server.conf'), join(folder, 'users.conf'));
    await copyFile(deployment.peopleFile, join(folder, 'people.conf'));
    const child = spawn('nats-server', ['-c', join(folder, 'nats-server.conf'), '-t'], { stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { code, output };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** A login and the permission violations the server reported to it. */
export interface Login {
  bus: Bus;
  violations: string[];
  disconnects: number;
}

/** Connects with a seed file, as `name` asking as `caller`, and records what the server reports. */
export async function logIn(url: string, seedFile: string, name: string, caller?: Caller): Promise<Login> {
  const bus = await connectBus({
    url,
    name,
    nkeySeedFile: seedFile,
    connectTimeoutMs: 3000,
    ...(caller === undefined ? {} : { caller }),
  });
  const login: Login = { bus, violations: [], disconnects: 0 };
  void (async () => {
    for await (const status of bus.connection.status()) {
      if (status.type === 'error') login.violations.push(String(status.error));
      if (status.type === 'disconnect') login.disconnects += 1;
    }
  })();
  return login;
}

/** A person's login with their seed, connection name and caller. */
export function logInAsPerson(url: string, deployment: Deployment, caller: Caller): Promise<Login> {
  return logIn(url, deployment.personSeedFile(caller.name), personConnectionNameOf(caller.name), caller);
}
