import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** Whether bubblewrap works on this machine, and how. */
export interface SandboxProbe {
  isAvailable: boolean;
  /** The bwrap binary probed (absolute when found). */
  bwrapPath: string;
  /** True when bwrap can create a user namespace: servers then run with `--unshare-user --disable-userns`. */
  hasUserNamespace: boolean;
  /** Why the sandbox is unavailable, written for the operator. */
  reason?: string;
}

/** Options for {@link probeSandbox}. */
export interface ProbeOptions {
  /** The bwrap binary; default the first of /usr/bin/bwrap, /usr/local/bin/bwrap, /bin/bwrap that exists. */
  bwrapPath?: string;
  /** How long one trial run may take. Default 10 s. */
  timeoutMs?: number;
}

const defaultBwrapPaths = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'];
const userNamespaceFlags = ['--unshare-user', '--disable-userns'];
const probeCache = new Map<string, Promise<SandboxProbe>>();

/** The flags `wrapCommand` adds when the probe found user namespaces. */
export function userNamespaceArguments(probe: SandboxProbe): string[] {
  return probe.hasUserNamespace ? [...userNamespaceFlags] : [];
}

/**
 * Finds out, once per binary, whether bubblewrap is installed and can actually build a sandbox here (user
 * namespaces may be disabled, or a container may forbid them): it runs `true` in a sandbox with the namespaces the
 * servers will get. The answer is cached for the life of the process.
 */
export function probeSandbox(options: ProbeOptions = {}): Promise<SandboxProbe> {
  const bwrapPath =
    options.bwrapPath ?? defaultBwrapPaths.find(isExecutable) ?? defaultBwrapPaths[0] ?? 'bwrap';
  const cached = probeCache.get(bwrapPath);
  if (cached !== undefined) return cached;
  const probe = runProbe(bwrapPath, options.timeoutMs ?? 10_000);
  probeCache.set(bwrapPath, probe);
  return probe;
}

async function runProbe(bwrapPath: string, timeoutMs: number): Promise<SandboxProbe> {
  if (!isExecutable(bwrapPath)) {
    return {
      isAvailable: false,
      bwrapPath,
      hasUserNamespace: false,
      reason: `bubblewrap is not installed: no executable bwrap at ${bwrapPath}. Install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)`,
    };
  }
  const trial = [
    '--unshare-all',
    '--cap-drop',
    'ALL',
    '--die-with-parent',
    '--new-session',
    '--ro-bind',
    '/',
    '/',
  ];
  const withUserNamespace = await runBwrap(bwrapPath, [...userNamespaceFlags, ...trial, 'true'], timeoutMs);
  if (withUserNamespace === undefined) return { isAvailable: true, bwrapPath, hasUserNamespace: true };
  // A setuid bwrap works without user namespaces.
  const withoutUserNamespace = await runBwrap(bwrapPath, [...trial, 'true'], timeoutMs);
  if (withoutUserNamespace === undefined) return { isAvailable: true, bwrapPath, hasUserNamespace: false };
  return {
    isAvailable: false,
    bwrapPath,
    hasUserNamespace: false,
    reason:
      `bubblewrap at ${bwrapPath} cannot create a sandbox here (${withUserNamespace}). Unprivileged user ` +
      'namespaces are probably disabled: enable them (sysctl -w user.max_user_namespaces=15000; Debian: ' +
      'kernel.unprivileged_userns_clone=1; Ubuntu 24.04+: kernel.apparmor_restrict_unprivileged_userns=0 or an ' +
      'AppArmor profile for bwrap), or in a container allow namespaces (e.g. docker --security-opt seccomp=unconfined)',
  };
}

/** Runs bwrap; undefined on success, else the failure in one line. */
function runBwrap(bwrapPath: string, args: string[], timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      bwrapPath,
      args,
      { env: { PATH: '/usr/bin:/bin' }, timeout: timeoutMs, encoding: 'utf8' },
      (error, _stdout, stderr) => {
        if (error === null) return resolve(undefined);
        const detail = stderr.trim().split('\n').join('; ');
        resolve(detail.length > 0 ? detail : error.message);
      },
    );
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
