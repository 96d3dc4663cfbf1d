import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxMount } from './sandbox-mount.js';
import { resolveHostPath } from './sandbox-paths.js';

/** Program and library trees, read-only. On merged-/usr systems the top-level ones are symlinks into /usr. */
const systemTrees = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * The parts of /etc a program needs to start and run, and nothing that holds a secret. Not /etc wholesale: it holds
 * /etc/shadow, /etc/ssl/private, /etc/npmrc (registry tokens), service configs with passwords. /etc/passwd and
 * /etc/group are included: they hold no password hashes (those are in /etc/shadow) and git, ssh and
 * `os.userInfo()` fail without an entry for the current uid.
 */
const systemEtcFiles = [
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/nsswitch.conf',
  '/etc/passwd',
  '/etc/group',
  '/etc/hosts',
  '/etc/localtime',
  '/etc/ssl/certs',
  '/etc/ssl/openssl.cnf',
];

/**
 * The fixed read-only system view, plus `/proc`, `/dev` and a private `/tmp`. Host paths that do not exist are
 * left out (bubblewrap fails on a missing bind source). No resolver configuration (`resolv.conf`, `gai.conf`,
 * `host.conf`): a sandbox never has the host's network, so DNS inside could not work anyway (no route out, and
 * loopback is the sandbox's own); with a filtered network the domain proxy resolves names outside. They would only
 * show the server the host's resolver setup.
 */
export function systemViewMounts(): SandboxMount[] {
  const mounts: SandboxMount[] = [];
  for (const tree of systemTrees) {
    const mount = systemTreeMount(tree);
    if (mount !== undefined) mounts.push(mount);
  }
  for (const file of systemEtcFiles) {
    // Bind the real file at the usual place: /etc/localtime is often a symlink, and its target may not be shown.
    const resolved = resolveHostPath(file);
    if (resolved.kind !== 'missing') {
      mounts.push({ kind: 'read-only', path: file, source: resolved.realPath, origin: 'system' });
    }
  }
  mounts.push({ kind: 'proc', path: '/proc', origin: 'system' });
  mounts.push({ kind: 'dev', path: '/dev', origin: 'system' });
  mounts.push({ kind: 'tmpfs', path: '/tmp', origin: 'system' });
  return mounts;
}

function systemTreeMount(tree: string): SandboxMount | undefined {
  try {
    if (lstatSync(tree).isSymbolicLink()) {
      return { kind: 'symlink', path: tree, source: readlinkSync(tree), origin: 'system' };
    }
    return { kind: 'read-only', path: tree, source: tree, origin: 'system' };
  } catch {
    return undefined;
  }
}

/** Credential stores under the home directory that no sandbox ever shows, whatever the config grants. */
export const protectedHomeEntries = [
  '.ssh',
  '.gnupg',
  '.aws',
  '.azure',
  '.kube',
  '.docker',
  '.config/gcloud',
  '.netrc',
  '.git-credentials',
  '.npmrc',
];

/** System secrets that no sandbox ever shows, even under a grant of `/` or `/etc`. */
export const protectedSystemPaths = [
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/ssl/private',
];

/** Every always-hidden path for this home and IronCurtain home (the session sandbox is re-exposed on top). */
export function protectedPaths(homeDir: string, ironcurtainHome: string): string[] {
  return [
    ...protectedHomeEntries.map((entry) => join(homeDir, entry)),
    ironcurtainHome,
    ...protectedSystemPaths,
  ];
}
