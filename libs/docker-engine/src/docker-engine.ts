import Docker from 'dockerode';
import { AppError, ErrorCode } from '@ironcurtain/errors';

/** The Docker engine containers (MCP servers, agent sessions) run on, and how messages name it. */
export interface DockerEngine {
  client: Docker;
  /** `unix:///var/run/docker.sock`, `tcp://host:2375`: what an operator checks. */
  endpoint: string;
}

const defaultSocket = '/var/run/docker.sock';

/** A client for DOCKER_HOST (`unix://…` or `tcp://host:port`), else the default socket. Connects on first use. */
export function createDockerEngine(dockerHost: string | undefined): DockerEngine {
  if (dockerHost === undefined || dockerHost === '') {
    return { client: new Docker({ socketPath: defaultSocket }), endpoint: `unix://${defaultSocket}` };
  }
  if (dockerHost.startsWith('unix://')) {
    return { client: new Docker({ socketPath: dockerHost.slice('unix://'.length) }), endpoint: dockerHost };
  }
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  const port = url.port === '' ? 2375 : Number(url.port);
  return { client: new Docker({ host: url.hostname, port, protocol: 'http' }), endpoint: dockerHost };
}

const unreachableCodes = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'EPERM',
  'ENOTFOUND',
  'ETIMEDOUT',
  'ECONNRESET',
]);

/** Whether an error means the engine itself did not answer (rather than refusing a request). */
export function isEngineUnreachable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && unreachableCodes.has(code);
}

/**
 * The error given while the engine does not answer: what needed it (`MCP server "github"`, `agent "claude-code"`), the
 * endpoint tried, and how to fix it.
 */
export function engineUnreachableError(engine: DockerEngine, what: string, error: unknown): AppError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const fix =
    code === 'EACCES' || code === 'EPERM'
      ? "give this service's user access to the socket (the docker group) or set DOCKER_HOST"
      : 'start the Docker engine (`sudo dockerd`, `systemctl start docker`, or ./scripts/setup) or set DOCKER_HOST ' +
        "to the engine's socket";
  return new AppError(
    ErrorCode.Unavailable,
    `${what} runs in a Docker container, but Docker is not reachable at ${engine.endpoint} ` +
      `(${code ?? (error as Error)?.message ?? 'no answer'}): ${fix}`,
    { cause: error, retryable: true },
  );
}

/** Asks the engine for `/_ping`; resolves with why it cannot be used, or undefined when it answers. */
export async function checkEngine(engine: DockerEngine, what: string): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error('no answer within 3 s'), { code: 'ETIMEDOUT' })),
      3000,
    );
  });
  try {
    await Promise.race([engine.client.ping(), timeout]);
    return undefined;
  } catch (error) {
    return engineUnreachableError(engine, what, error).message;
  } finally {
    clearTimeout(timer);
  }
}
