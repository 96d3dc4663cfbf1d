import type { ContainerCreateOptions } from 'dockerode';
import { containerPaths, egressForwarderPort, type AgentAdapter } from '../agents/agent-adapter.js';
import type { SessionPaths } from '../session-files.js';

/** Labels on every agent session container: how cleanup and tests find them. */
export const agentContainerLabels = {
  role: 'ironcurtain.role',
  session: 'ironcurtain.session',
  agent: 'ironcurtain.agent',
} as const;

export const agentSessionRole = 'agent-session';

/** The user a container runs as: the owner of the session sandbox on the host. */
export interface ContainerUser {
  readonly uid: number;
  readonly gid: number;
}

/** Resource limits of one agent container. */
export interface ContainerLimits {
  readonly memoryMb: number;
  readonly cpus: number;
  readonly pids: number;
}

/** Everything that decides one agent container. */
export interface AgentContainerSpec {
  readonly sessionId: string;
  readonly adapter: AgentAdapter;
  readonly image: string;
  readonly name: string;
  readonly command: readonly string[];
  /** The adapter's environment for this session (sentinel key, its own settings). */
  readonly agentEnvironment: Readonly<Record<string, string>>;
  /** The session's proxy credentials at the egress, for `HTTPS_PROXY`. */
  readonly proxyToken: string;
  readonly paths: SessionPaths;
  readonly user: ContainerUser;
  readonly limits: ContainerLimits;
  /** PTY mode: a terminal and an open stdin for the agent's TUI. */
  readonly hasTerminal: boolean;
}

/**
 * The create options of an agent container: no network at all (loopback only), every capability dropped,
 * no-new-privileges, a read-only root file system with tmpfs for /tmp and the home, resource limits, the sandbox
 * owner's uid:gid, and exactly four mounts (workspace, orientation, sockets, agent state). Nothing else of the host:
 * not the audit trail, the policy, the CA key, other sessions, or the Docker socket.
 */
export function agentContainerOptions(spec: AgentContainerSpec): ContainerCreateOptions {
  if (spec.user.uid === 0 || spec.user.gid === 0) {
    throw new Error('an agent container never runs as root (uid or gid 0)');
  }
  const { uid, gid } = spec.user;
  const proxy = `http://${spec.sessionId}:${spec.proxyToken}@127.0.0.1:${egressForwarderPort}`;
  const environment: Record<string, string> = {
    ...spec.agentEnvironment,
    HOME: containerPaths.home,
    HTTPS_PROXY: proxy,
    https_proxy: proxy,
    // Anything that is not the LLM has no way out; say so to tools that would try plain HTTP through a proxy.
    HTTP_PROXY: proxy,
    http_proxy: proxy,
    NO_PROXY: '',
    no_proxy: '',
    NODE_EXTRA_CA_CERTS: containerPaths.caCertificate,
    SSL_CERT_FILE: containerPaths.caBundle,
    IRONCURTAIN_SESSION_ID: spec.sessionId,
  };
  return {
    name: spec.name,
    Image: spec.image,
    Cmd: [...spec.command],
    User: `${uid}:${gid}`,
    WorkingDir: containerPaths.workspace,
    Env: Object.entries(environment).map(([name, value]) => `${name}=${value}`),
    Labels: {
      [agentContainerLabels.role]: agentSessionRole,
      [agentContainerLabels.session]: spec.sessionId,
      [agentContainerLabels.agent]: spec.adapter.name,
    },
    Tty: spec.hasTerminal,
    OpenStdin: spec.hasTerminal,
    StdinOnce: false,
    AttachStdin: spec.hasTerminal,
    AttachStdout: true,
    AttachStderr: true,
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Privileged: false,
      IpcMode: 'private',
      Tmpfs: {
        '/tmp': 'rw,nosuid,nodev,size=1g,mode=1777',
        [containerPaths.home]: `rw,nosuid,nodev,size=1g,uid=${uid},gid=${gid},mode=0700`,
      },
      Memory: spec.limits.memoryMb * 1024 * 1024,
      MemorySwap: spec.limits.memoryMb * 1024 * 1024,
      NanoCpus: Math.round(spec.limits.cpus * 1e9),
      PidsLimit: spec.limits.pids,
      Mounts: [
        { Type: 'bind', Source: spec.paths.sandbox, Target: containerPaths.workspace, ReadOnly: false },
        { Type: 'bind', Source: spec.paths.orientation, Target: containerPaths.orientation, ReadOnly: true },
        { Type: 'bind', Source: spec.paths.sockets, Target: containerPaths.sockets, ReadOnly: true },
        { Type: 'bind', Source: spec.paths.agentState, Target: spec.adapter.statePath, ReadOnly: false },
      ],
      AutoRemove: false,
    },
  };
}

/** The name of a session's container: one per batch turn, one for the PTY. */
export function agentContainerName(sessionId: string, part: number | 'pty'): string {
  return `ironcurtain-${sessionId}-${part === 'pty' ? 'pty' : `turn-${part}`}`;
}
