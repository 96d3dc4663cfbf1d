import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { checkEngine, type DockerEngine } from '@ironcurtain/docker-engine';

/** The name of the signal-cli-rest-api container the CLI runs on a workstation (one per machine). */
export const signalContainerName = 'ironcurtain-signal';

/** Where signal-cli keeps its account (keys, the registration password) inside the container. */
const containerDataPath = '/home/.local/share/signal-cli';
const containerPort = '8080/tcp';

/** What the container is made from: config.json's `signal.container` and the home its data lives in. */
export interface SignalContainerSettings {
  readonly image: string;
  /** The host port, bound on 127.0.0.1 only. */
  readonly port: number;
  /** `IRONCURTAIN_HOME/signal-data` (mode 0700): the bot's Signal account. */
  readonly dataDirectory: string;
  /** The host user signal-cli runs as in the container, so the data folder stays the person's. */
  readonly userIds?: { uid: number; gid: number } | undefined;
  /** The container's name: {@link signalContainerName} (tests give their own). */
  readonly name?: string | undefined;
}

/** `IRONCURTAIN_HOME/signal-data`. */
export function signalDataDirectory(home: string): string {
  return join(home, 'signal-data');
}

/**
 * The container: json-rpc mode (one signal-cli daemon, the websocket the bridge receives on), the data folder bound
 * in, the API on 127.0.0.1 only (anyone who reaches it can send as the bot and read its messages), restarted by
 * Docker unless someone stops it. signal-cli runs as the host user (the image's entrypoint takes SIGNAL_CLI_UID/GID
 * and chowns the data folder to them), never as root.
 */
export function signalContainerSpec(settings: SignalContainerSettings): Docker.ContainerCreateOptions {
  const user = settings.userIds !== undefined && settings.userIds.uid !== 0 ? settings.userIds : undefined;
  return {
    name: settings.name ?? signalContainerName,
    Image: settings.image,
    Env: [
      'MODE=json-rpc',
      // signal-cli's default, said here because the pinned identity depends on it: a changed key is not trusted.
      'JSON_RPC_TRUST_NEW_IDENTITIES=on-first-use',
      ...(user === undefined ? [] : [`SIGNAL_CLI_UID=${user.uid}`, `SIGNAL_CLI_GID=${user.gid}`]),
    ],
    Labels: { 'ironcurtain.signal-data': settings.dataDirectory },
    ExposedPorts: { [containerPort]: {} },
    HostConfig: {
      Binds: [`${settings.dataDirectory}:${containerDataPath}`],
      PortBindings: { [containerPort]: [{ HostIp: '127.0.0.1', HostPort: String(settings.port) }] },
      RestartPolicy: { Name: 'unless-stopped' },
      SecurityOpt: ['no-new-privileges:true'],
    },
  };
}

/** What {@link ensureSignalContainer} did. */
export type SignalContainerOutcome = 'running' | 'started' | 'created';

/**
 * Makes sure the container runs as {@link signalContainerSpec} says: a running one that matches is left alone, a
 * stopped one is started, one made from other settings (an older image, another port) is replaced — the account is
 * in the data folder, not in the container. A container of the same name that holds another data folder (another
 * IRONCURTAIN_HOME's bot) is never touched: that is an error. Nothing is pulled: a missing image is an error naming
 * the `docker pull` to run.
 */
export async function ensureSignalContainer(
  engine: DockerEngine,
  settings: SignalContainerSettings,
): Promise<SignalContainerOutcome> {
  await mkdir(settings.dataDirectory, { recursive: true, mode: 0o700 });
  await chmod(settings.dataDirectory, 0o700);
  const unreachable = await checkEngine(engine, 'Signal (signal-cli-rest-api)');
  if (unreachable !== undefined) throw new AppError(ErrorCode.Unavailable, unreachable);
  const spec = signalContainerSpec(settings);
  const name = settings.name ?? signalContainerName;
  const existing = await inspectSignalContainer(engine, name);
  if (existing !== undefined) {
    const dataFolder = existing.Config.Labels?.['ironcurtain.signal-data'];
    if (dataFolder !== settings.dataDirectory) throw foreignContainerError(name, dataFolder);
    if (matchesSpec(existing, spec)) {
      if (existing.State.Running) return 'running';
      await engine.client.getContainer(existing.Id).start();
      return 'started';
    }
    await engine.client.getContainer(existing.Id).remove({ force: true });
  }
  await assertImagePresent(engine, settings.image);
  const container = await engine.client.createContainer(spec);
  await container.start();
  return 'created';
}

/** The container's state, or undefined when there is none. */
export async function inspectSignalContainer(
  engine: DockerEngine,
  name: string = signalContainerName,
): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await engine.client.getContainer(name).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

function matchesSpec(existing: Docker.ContainerInspectInfo, spec: Docker.ContainerCreateOptions): boolean {
  const wantedEnv = spec.Env ?? [];
  const binding = existing.HostConfig.PortBindings as Record<
    string,
    Array<{ HostIp?: string; HostPort?: string }>
  >;
  const wantedBinding = spec.HostConfig?.PortBindings as typeof binding;
  return (
    existing.Config.Image === spec.Image &&
    wantedEnv.every((entry) => existing.Config.Env.includes(entry)) &&
    JSON.stringify(binding?.[containerPort] ?? []) === JSON.stringify(wantedBinding[containerPort]) &&
    JSON.stringify(existing.HostConfig.Binds ?? []) === JSON.stringify(spec.HostConfig?.Binds)
  );
}

async function assertImagePresent(engine: DockerEngine, image: string): Promise<void> {
  try {
    await engine.client.getImage(image).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    throw new AppError(
      ErrorCode.NotFound,
      `the Signal image ${image} is not on this machine, and IronCurtain never pulls one by itself: ` +
        `run \`docker pull ${image}\` (or set signal.container.image to an image you have), then try again`,
      { cause: error },
    );
  }
}

function foreignContainerError(name: string, dataFolder: string | undefined): AppError {
  return new AppError(
    ErrorCode.Conflict,
    `a container named ${name} already runs Signal for ` +
      `${dataFolder === undefined ? 'something else' : `another IRONCURTAIN_HOME (${dataFolder})`}; ` +
      'one machine runs one: stop it there, or point SIGNAL_API_URL at it to share it',
  );
}
