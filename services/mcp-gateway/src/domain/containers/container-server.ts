import { PassThrough } from 'node:stream';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { containerCreateOptions, type ContainerSpec } from './container-options.js';
import { ContainerTransport } from './container-transport.js';
import { engineUnreachableError, isEngineUnreachable, type DockerEngine } from '@ironcurtain/docker-engine';
import type { OpenedTransport } from '../servers/server-transport.js';

/**
 * Starts one container server and returns its MCP transport: the container is created (the image pulled first if
 * the engine does not have it), attached before it starts so no output is lost, its multiplexed stdout/stderr split
 * apart, and started. Errors say what to fix; a container left half-made is removed.
 */
export async function openContainerTransport(
  engine: DockerEngine,
  spec: ContainerSpec,
): Promise<OpenedTransport> {
  const container = await createContainer(engine, spec);
  const remove = () => removeContainer(container);
  try {
    const stream = (await container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as Duplex;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    engine.client.modem.demuxStream(stream, stdout, stderr);
    const ended = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    }).then(() => {
      stdout.end();
      stderr.end();
    });
    await container.start();
    return {
      transport: new ContainerTransport({ stdout, stdin: stream, ended, remove }),
      stderr,
      describe: () => `container ${container.id.slice(0, 12)}`,
      pid: () => undefined,
      isSandboxed: true,
    };
  } catch (error) {
    await remove();
    throw dockerError(engine, spec, 'could not start its container', error);
  }
}

async function createContainer(engine: DockerEngine, spec: ContainerSpec): Promise<Docker.Container> {
  const options = containerCreateOptions(spec);
  try {
    return await engine.client.createContainer(options);
  } catch (error) {
    if (!isMissingImage(error)) throw dockerError(engine, spec, 'could not create its container', error);
  }
  await pullImage(engine, spec);
  try {
    return await engine.client.createContainer(options);
  } catch (error) {
    throw dockerError(engine, spec, 'could not create its container', error);
  }
}

async function pullImage(engine: DockerEngine, spec: ContainerSpec): Promise<void> {
  try {
    const progress = await engine.client.pull(spec.image);
    await new Promise<void>((resolve, reject) => {
      engine.client.modem.followProgress(progress, (error: Error | null) =>
        error ? reject(error) : resolve(),
      );
    });
  } catch (error) {
    if (isEngineUnreachable(error))
      throw engineUnreachableError(engine, `MCP server "${spec.serverName}"`, error);
    throw new AppError(
      ErrorCode.Unavailable,
      `MCP server "${spec.serverName}": image ${spec.image} is not on the Docker engine at ${engine.endpoint} and ` +
        `could not be pulled (${shortMessage(error, spec)}); run \`docker pull ${spec.image}\` where its registry is ` +
        'reachable (or `docker load` it)',
      { cause: error, retryable: true },
    );
  }
}

/** Kills and removes a container; one already gone (exited and auto-removed) is fine. */
async function removeContainer(container: Docker.Container): Promise<void> {
  await container.kill().catch(() => undefined);
  await container.remove({ force: true }).catch(() => undefined);
}

function isMissingImage(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404 && /no such image/i.test(describeError(error));
}

function dockerError(engine: DockerEngine, spec: ContainerSpec, what: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isEngineUnreachable(error))
    return engineUnreachableError(engine, `MCP server "${spec.serverName}"`, error);
  return new AppError(
    ErrorCode.Unavailable,
    `MCP server "${spec.serverName}" ${what} (image ${spec.image}, Docker at ${engine.endpoint}): ${shortMessage(error, spec)}`,
    { cause: error, retryable: true },
  );
}

// Docker's messages start with "(HTTP code 404) no such container - "; the reason is what follows.
function describeError(error: unknown): string {
  const json = (error as { json?: { message?: unknown } }).json;
  if (typeof json?.message === 'string') return json.message;
  return (error as Error)?.message ?? String(error);
}

// What the engine says goes into errors and logs; should it ever quote the container's environment, the values
// (credentials among them) come out masked.
function shortMessage(error: unknown, spec: ContainerSpec): string {
  const values = Object.values(spec.env).filter((value) => value.length >= 4);
  return values.reduce((text, value) => text.replaceAll(value, '[REDACTED]'), describeError(error));
}
