import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { engineUnreachableError, isEngineUnreachable, type DockerEngine } from '@ironcurtain/docker-engine';

/**
 * Which nats-server to tell to read its config again: the `nats` container of a compose project (found by its
 * compose labels), a host process by its PID, or none (`--no-reload`).
 */
export type NatsReloadTarget =
  | { kind: 'compose'; directory: string; project: string | undefined }
  | { kind: 'process'; pid: number }
  | { kind: 'none' };

/** A running container of a compose service `nats`, with the compose labels that say whose it is. */
export interface ComposeNatsContainer {
  id: string;
  name: string;
  project: string | undefined;
  workingDirectory: string | undefined;
}

/** What a reload needs from the machine, as plain functions so tests can run it. */
export interface NatsReloadPorts {
  /** The running containers labelled `com.docker.compose.service=nats`, of every project. */
  listComposeNatsContainers(): Promise<ComposeNatsContainer[]>;
  signalContainer(id: string): Promise<void>;
  /** The command name of a process (`/proc/PID/comm`), undefined when it cannot be told. */
  processNameOf(pid: number): Promise<string | undefined>;
  signalProcess(pid: number): void;
}

/**
 * The compose project name docker compose gives a folder: its name in lower case with only letters, digits, `_` and
 * `-` kept, starting with a letter or digit.
 */
export function composeProjectNameOf(directory: string): string {
  return basename(directory)
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[^a-z0-9]+/, '');
}

/**
 * Sends nats-server the reload signal (SIGHUP): it reads its config again, lets the new users in, and closes the
 * connections of users that are gone. Returns what was done, for the report. A compose project with no running
 * `nats` container needs no reload (the server reads the file when it starts). A PID that is not a nats-server is
 * refused: SIGHUP ends most other programs.
 */
export async function reloadNatsServer(target: NatsReloadTarget, ports: NatsReloadPorts): Promise<string> {
  if (target.kind === 'none') {
    return 'did not reload nats-server (--no-reload): `docker compose kill -s HUP nats` or `nats-server --signal reload` makes the change take effect';
  }
  if (target.kind === 'process') {
    const name = await ports.processNameOf(target.pid);
    if (name !== undefined && name !== 'nats-server') {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `process ${target.pid} is ${JSON.stringify(name)}, not nats-server: give --nats-pid the PID of nats-server`,
      );
    }
    try {
      ports.signalProcess(target.pid);
    } catch (error) {
      throw new AppError(
        ErrorCode.Unavailable,
        `cannot signal nats-server (PID ${target.pid}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        { cause: error },
      );
    }
    return `reloaded nats-server: sent SIGHUP to PID ${target.pid}`;
  }
  const project = target.project ?? composeProjectNameOf(target.directory);
  const containers = (await ports.listComposeNatsContainers()).filter(
    (container) =>
      container.project === project ||
      (target.project === undefined && container.workingDirectory === target.directory),
  );
  if (containers.length === 0) {
    return `no nats container of compose project "${project}" is running: nats-server reads the change when it starts`;
  }
  for (const container of containers) await ports.signalContainer(container.id);
  const names = containers.map((container) => container.name).join(', ');
  return `reloaded nats-server: sent SIGHUP to container ${names} (compose project "${project}")`;
}

/** The ports of {@link reloadNatsServer} on this machine: the Docker engine, `/proc`, `process.kill`. */
export function machineReloadPorts(
  engine: DockerEngine,
  killProcess: (pid: number, signal: 'SIGHUP') => void,
): NatsReloadPorts {
  const what = "the compose stack's nats-server";
  return {
    async listComposeNatsContainers() {
      const containers = await engine.client
        .listContainers({ filters: { label: ['com.docker.compose.service=nats'], status: ['running'] } })
        .catch((error: unknown) => {
          throw isEngineUnreachable(error) ? engineUnreachableError(engine, what, error) : error;
        });
      return containers.map((container) => ({
        id: container.Id,
        name: (container.Names[0] ?? container.Id.slice(0, 12)).replace(/^\//, ''),
        project: container.Labels['com.docker.compose.project'],
        workingDirectory: container.Labels['com.docker.compose.project.working_dir'],
      }));
    },
    async signalContainer(id) {
      await engine.client.getContainer(id).kill({ signal: 'SIGHUP' });
    },
    async processNameOf(pid) {
      const name = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => undefined);
      return name?.trim();
    },
    signalProcess: (pid) => killProcess(pid, 'SIGHUP'),
  };
}
