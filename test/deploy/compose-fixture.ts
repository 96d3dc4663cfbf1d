// Helpers of the compose test: docker-compose on the shipped docker-compose.yml with a generated deploy folder, the
// host's `ironcurtain` pointed at the stack's NATS, and waiting for the containers' healthchecks.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DockerEngine } from '@ironcurtain/docker-engine';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliEntry = join(repositoryRoot, 'services', 'cli', 'bin', 'ironcurtain.js');

/** What a finished command printed. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (argument array, no shell); never rejects: the caller looks at `code`. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { env: Record<string, string>; timeoutMs: number; cwd?: string },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: options.env, timeout: options.timeoutMs, maxBuffer: 256 * 1024 * 1024, cwd: options.cwd },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({
          code,
          stdout,
          stderr: error !== null && code === null ? `${stderr}${error.message}` : stderr,
        });
      },
    );
  });
}

/** docker-compose with the shipped file, one project name and the generated .env; fails with the output. */
export function createCompose(project: string, envFile: string, env: Record<string, string>) {
  return async (args: readonly string[], timeoutMs = 120_000): Promise<CommandResult> => {
    const result = await runCommand(
      'docker-compose',
      [
        '--env-file',
        envFile,
        '--project-name',
        project,
        '--file',
        join(repositoryRoot, 'docker-compose.yml'),
        ...args,
      ],
      { env, timeoutMs, cwd: repositoryRoot },
    );
    if (result.code !== 0 && !(await isStaleNetworkOnly(args, result, project, env))) {
      throw new Error(
        `docker-compose ${args.join(' ')} failed (${result.code}):\n${tail(result.stdout)}\n${tail(result.stderr)}`,
      );
    }
    return result;
  };
}

/**
 * A `down` that removed every container of the project but not its network, which the daemon still counts an
 * endpoint on with no container left (a known Docker race: `network … has active endpoints`). The stack is down,
 * which is what `down` is for; the network is reused by the next `up`. Anything else is a failure.
 */
async function isStaleNetworkOnly(
  args: readonly string[],
  result: CommandResult,
  project: string,
  env: Record<string, string>,
): Promise<boolean> {
  if (
    args[0] !== 'down' ||
    !/error while removing network: .* has active endpoints/.test(`${result.stdout}\n${result.stderr}`)
  ) {
    return false;
  }
  const left = await runCommand(
    'docker',
    ['ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project=${project}`],
    { env, timeoutMs: 30_000 },
  );
  if (left.code !== 0 || left.stdout.trim() !== '') return false;
  process.stderr.write(`docker-compose down: every container is gone, the network stayed (daemon race)\n`);
  return true;
}

/** The last lines of a long output, for error messages. */
export function tail(text: string, lines = 60): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** A container of the project, as `waitForHealthy` saw it. */
export interface ProjectContainer {
  id: string;
  service: string;
  status: string;
  health: string | undefined;
  exitCode: number;
}

/** The project's containers (running or not), by compose service. */
export async function projectContainers(engine: DockerEngine, project: string): Promise<ProjectContainer[]> {
  const listed = await engine.client.listContainers({
    all: true,
    filters: { label: [`com.docker.compose.project=${project}`] },
  });
  const containers: ProjectContainer[] = [];
  for (const summary of listed) {
    const details = await engine.client.getContainer(summary.Id).inspect();
    containers.push({
      id: summary.Id,
      service: summary.Labels['com.docker.compose.service'] ?? '?',
      status: details.State.Status,
      health: details.State.Health?.Status,
      exitCode: details.State.ExitCode,
    });
  }
  return containers;
}

/**
 * Waits until every long-running service's container reports `healthy` and every one-shot has exited 0. Throws
 * with each container's state when `timeoutMs` passes or a container fails for good.
 */
export async function waitForHealthy(
  engine: DockerEngine,
  project: string,
  expected: { services: readonly string[]; oneShots: readonly string[] },
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let containers: ProjectContainer[];
  for (;;) {
    containers = await projectContainers(engine, project);
    const byService = new Map(containers.map((container) => [container.service, container]));
    const failedOneShot = expected.oneShots.find((name) => {
      const container = byService.get(name);
      return container?.status === 'exited' && container.exitCode !== 0;
    });
    if (failedOneShot !== undefined) break;
    const isReady =
      expected.services.every((name) => byService.get(name)?.health === 'healthy') &&
      expected.oneShots.every((name) => byService.get(name)?.status === 'exited');
    if (isReady) return;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const states = containers
    .map((each) => `${each.service}: ${each.status} health=${each.health ?? '-'} exit=${each.exitCode}`)
    .join('\n');
  throw new Error(`the compose stack did not become healthy within ${timeoutMs / 1000} s:\n${states}`);
}

/** A running `ironcurtain …` with its output collected. */
export interface RunningCli {
  readonly child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts the host's `ironcurtain <args>` with exactly `env`, stdin closed. */
export function startCli(args: readonly string[], env: Record<string, string>): RunningCli {
  const child = spawn(process.execPath, [cliEntry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

/** Runs the host's `ironcurtain <args>` to its end. */
export function runCli(args: readonly string[], env: Record<string, string>): Promise<CommandResult> {
  return runCommand(process.execPath, [cliEntry, ...args], { env, timeoutMs: 120_000 });
}

/**
 * Approves, with `ironcurtain escalations` and `ironcurtain approve` as a person at another terminal would, every
 * ticket that opens while `session` runs; resolves with the ids approved once the session has exited.
 */
export async function approveWhileRunning(
  session: RunningCli,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<string[]> {
  const approved: string[] = [];
  let hasExited = false;
  void session.exited.then(() => (hasExited = true));
  const deadline = Date.now() + timeoutMs;
  while (!hasExited) {
    if (Date.now() > deadline) {
      session.child.kill('SIGKILL');
      throw new Error(`the session did not end within ${timeoutMs / 1000} s:\n${tail(session.output())}`);
    }
    const listed = await runCli(['escalations', '--json'], env);
    if (listed.code !== 0) throw new Error(`ironcurtain escalations failed: ${listed.stderr}`);
    const { tickets } = JSON.parse(listed.stdout) as { tickets: { id: string }[] };
    for (const ticket of tickets.filter((each) => !approved.includes(each.id))) {
      const answer = await runCli(['approve', ticket.id], env);
      if (answer.code !== 0)
        throw new Error(`ironcurtain approve ${ticket.id} failed: ${answer.stdout}${answer.stderr}`);
      approved.push(ticket.id);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return approved;
}
