import type { ContainerCreateOptions } from 'dockerode';

/** Everything one container server instance is started from (its entry resolved, credentials included). */
export interface ContainerSpec {
  serverName: string;
  /** The session it serves, or `catalog`; a container label, so an operator can tell them apart. */
  sessionId: string;
  image: string;
  args: string[];
  /** The config's `env` plus the server's credentials: the only place a credential goes. */
  env: Record<string, string>;
  /** A Docker network name; `none` for no network. */
  network: string;
  user: string;
  memoryMb: number;
  pidsLimit: number;
}

/** The labels every container server carries (`docker ps --filter label=dev.ironcurtain.mcp-server`). */
export const containerLabels = { server: 'dev.ironcurtain.mcp-server', session: 'dev.ironcurtain.session' };

/**
 * How a container server is created: MCP over the attached stdin/stdout (no TTY; stdin closes when the gateway's
 * connection does, so a gateway that dies takes its servers with it), removed when it stops, no published port, no
 * host path, every capability dropped, no privilege gain, a read-only root with a small non-executable /tmp,
 * memory and process limits, and only the network its config names (`none` by default).
 */
export function containerCreateOptions(spec: ContainerSpec): ContainerCreateOptions {
  const memoryBytes = spec.memoryMb * 1024 * 1024;
  return {
    Image: spec.image,
    Cmd: spec.args,
    Env: Object.entries(spec.env).map(([name, value]) => `${name}=${value}`),
    User: spec.user,
    Labels: { [containerLabels.server]: spec.serverName, [containerLabels.session]: spec.sessionId },
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: true,
    Tty: false,
    ExposedPorts: {},
    HostConfig: {
      AutoRemove: true,
      NetworkMode: spec.network,
      PortBindings: {},
      PublishAllPorts: false,
      Privileged: false,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,noexec,nosuid,nodev,size=64m,mode=1777' },
      Memory: memoryBytes,
      MemorySwap: memoryBytes,
      PidsLimit: spec.pidsLimit,
      IpcMode: 'private',
    },
  };
}
