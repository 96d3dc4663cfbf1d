/** What one step of the sandbox's mount layout does at its path. */
export type SandboxMountKind =
  /** A host path bound read-only. */
  | 'read-only'
  /** A host path bound read-write. */
  | 'read-write'
  /** Hidden: an empty read-only tmpfs over a directory, or an unreadable `/dev/null` over a file. */
  | 'hidden'
  /** A symlink created inside the sandbox. */
  | 'symlink'
  /** A fresh private tmpfs (`/tmp`; the network filter's directory). */
  | 'tmpfs'
  /** A new procfs for the sandbox's own pid namespace. */
  | 'proc'
  /** A minimal new `/dev` (null, zero, random, urandom, tty, pts, shm). */
  | 'dev';

/**
 * Why a mount is in the layout: the config key, the caller's extras, the fixed system view, the protections, or the
 * network filter's directory.
 */
export type SandboxMountOrigin =
  | 'system'
  | 'session-sandbox'
  | 'allowRead'
  | 'allowWrite'
  | 'denyRead'
  | 'denyWrite'
  | 'extraReadOnly'
  | 'extraReadWrite'
  | 'protected'
  | 'network-filter';

/** One step of the mount layout, in the order bubblewrap applies it. */
export interface SandboxMount {
  kind: SandboxMountKind;
  /** Where it appears inside the sandbox. */
  path: string;
  /** `read-only`/`read-write`: the host path bound there; `symlink`: the link's target. */
  source?: string;
  /** `hidden`: true for a directory (tmpfs), false for a file (`/dev/null`). */
  isDirectory?: boolean;
  origin: SandboxMountOrigin;
}
