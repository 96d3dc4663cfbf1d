import { PassThrough } from 'node:stream';
import type { Container, ContainerCreateOptions } from 'dockerode';
import { engineUnreachableError, isEngineUnreachable, type DockerEngine } from '@ironcurtain/docker-engine';
import { agentContainerLabels, agentSessionRole } from '../domain/container/container-spec.js';

/** How a container run ended. `killed`: someone else killed it (exit 137 that we did not cause). */
export type ContainerEnding = 'exited' | 'aborted' | 'killed' | 'out-of-memory' | 'vanished';

/** The end of one agent container: exit code, what it printed (capped), and how it ended. */
export interface ContainerRunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ending: ContainerEnding;
}

/** The Docker side of agent sessions: run a batch turn, start a PTY container, remove a session's containers. */
export interface AgentContainers {
  /** Creates and starts the container, collects its output, and removes it when it exits or `signal` aborts. */
  run(options: ContainerCreateOptions, signal: AbortSignal): Promise<ContainerRunResult>;
  /** Creates and starts a container with a terminal; `exited` settles (and the container is removed) when it ends. */
  startWithTerminal(
    options: ContainerCreateOptions,
    signal: AbortSignal,
  ): Promise<{ exited: Promise<ContainerRunResult> }>;
  /** Removes every container of the session (running or not); resolves with how many there were. */
  removeSessionContainers(sessionId: string): Promise<number>;
}

// What one run keeps of each stream: enough for the agent's JSON answer, not enough to exhaust the service.
const maximumCapturedBytes = 8 * 1024 * 1024;
const killedExitCode = 137;

/** Agent containers on `engine`. */
export function createAgentContainers(engine: DockerEngine, agentName: string): AgentContainers {
  const failure = (error: unknown): unknown =>
    isEngineUnreachable(error) ? engineUnreachableError(engine, `agent "${agentName}"`, error) : error;

  const create = async (options: ContainerCreateOptions): Promise<Container> => {
    try {
      return await engine.client.createContainer(options);
    } catch (error) {
      throw failure(error);
    }
  };

  return {
    async run(options, signal) {
      const container = await create(options);
      try {
        const stream = await container.attach({ stream: true, stdout: true, stderr: true });
        const stdout = capture();
        const stderr = capture();
        container.modem.demuxStream(stream, stdout.sink, stderr.sink);
        const streamEnded = new Promise<void>((resolve) => {
          stream.once('end', resolve);
          stream.once('close', resolve);
          stream.once('error', () => resolve());
        });
        const result = await runUntilExit(container, signal);
        await Promise.race([streamEnded, delay(2000)]);
        return { ...result, stdout: stdout.text(), stderr: stderr.text() };
      } finally {
        await removeQuietly(container);
      }
    },
    async startWithTerminal(options, signal) {
      const container = await create(options);
      const exited = runUntilExit(container, signal)
        .then((result) => ({ ...result, stdout: '', stderr: '' }))
        .finally(() => removeQuietly(container));
      return { exited };
    },
    async removeSessionContainers(sessionId) {
      const containers = await engine.client
        .listContainers({
          all: true,
          filters: {
            label: [
              `${agentContainerLabels.role}=${agentSessionRole}`,
              `${agentContainerLabels.session}=${sessionId}`,
            ],
          },
        })
        .catch((error: unknown) => {
          throw failure(error);
        });
      await Promise.all(containers.map((info) => removeQuietly(engine.client.getContainer(info.Id))));
      return containers.length;
    },
  };
}

// Starts the container and waits for it to stop; kills it when `signal` aborts. Tells apart an exit, our abort,
// someone else's kill, the memory limit, and a container that disappeared (removed from outside).
async function runUntilExit(
  container: Container,
  signal: AbortSignal,
): Promise<Omit<ContainerRunResult, 'stdout' | 'stderr'>> {
  const onAbort = () => void container.kill().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal.aborted) return { exitCode: killedExitCode, ending: 'aborted' };
    await container.start();
    let exitCode: number;
    try {
      exitCode = ((await container.wait()) as { StatusCode: number }).StatusCode;
    } catch (error) {
      if (isNotFound(error))
        return { exitCode: killedExitCode, ending: signal.aborted ? 'aborted' : 'vanished' };
      throw error;
    }
    if (signal.aborted) return { exitCode, ending: 'aborted' };
    const state = await container
      .inspect()
      .then((info) => info.State)
      .catch(() => undefined);
    if (state === undefined) return { exitCode, ending: 'vanished' };
    if (state.OOMKilled) return { exitCode, ending: 'out-of-memory' };
    return { exitCode, ending: exitCode === killedExitCode ? 'killed' : 'exited' };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function capture(): { sink: PassThrough; text(): string } {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    if (size >= maximumCapturedBytes) return;
    chunks.push(chunk.subarray(0, maximumCapturedBytes - size));
    size += chunk.length;
  });
  return { sink, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function removeQuietly(container: Container): Promise<void> {
  await container.remove({ force: true, v: true }).catch(() => undefined);
}

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number } | undefined)?.statusCode === 404;
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds).unref());
}
