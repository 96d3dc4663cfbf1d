import type { SandboxMount, SandboxMountOrigin } from './sandbox-mount.js';
import { isPathWithin, pathDepth, type ResolvedPath } from './sandbox-paths.js';

/** A path the sandbox should show: read-only or read-write. */
export interface GrantRequest {
  resolved: ResolvedPath;
  isWritable: boolean;
  origin: SandboxMountOrigin;
}

/** A path the sandbox should hide (`denyRead`) or show read-only (`denyWrite`). */
export interface DenyRequest {
  resolved: ResolvedPath;
  isReadDenied: boolean;
  origin: SandboxMountOrigin;
}

/** Everything the layout is computed from; all paths absolute and normalized. */
export interface LayoutInput {
  system: SandboxMount[];
  /** Real path of the session sandbox: always read-write, the working directory. */
  sessionSandboxDir: string;
  grants: GrantRequest[];
  denies: DenyRequest[];
  /** Always hidden, whatever the grants say (credential stores, IronCurtain's own state). */
  protectedPaths: ResolvedPath[];
}

/** The ordered mount steps and what the layout could not do as asked. */
export interface Layout {
  mounts: SandboxMount[];
  warnings: string[];
}

/**
 * Computes the mount steps. One rule per real path; the most specific path wins, and at the same path a deny wins
 * over a grant and write over read. Protected paths win over everything except the session sandbox (which sits
 * inside IronCurtain's home and is mounted on top of its hiding). Steps are ordered parents first, because
 * bubblewrap applies them in order and a later mount covers an earlier one.
 */
export function layoutMounts(input: LayoutInput): Layout {
  const warnings: string[] = [];
  const rules = new Map<string, SandboxMount>(input.system.map((mount) => [mount.path, mount]));
  // Deny and protection rules that hide nothing unless an ancestor shows the host: checked once ancestors are known.
  const conditional = new Set<string>();
  const configuredPaths = new Map<string, string>();
  addGrants(input, rules, configuredPaths, warnings);
  addDenies(input, rules, conditional, warnings);
  for (const resolved of input.protectedPaths) {
    if (resolved.kind === 'missing' || resolved.realPath === input.sessionSandboxDir) continue;
    rules.set(resolved.realPath, hiddenMount(resolved, 'protected'));
    conditional.add(resolved.realPath);
  }
  const kept: SandboxMount[] = [];
  for (const mount of [...rules.values()].sort(byDepthThenPath)) {
    const ancestor = nearestAncestor(kept, mount.path);
    // A grant above a system path already shows the host's own version of it (bubblewrap would even fail: it
    // cannot create /bin or write through the /etc/localtime symlink on a read-only bind).
    if (
      mount.origin === 'system' &&
      (mount.kind === 'symlink' || isHostBind(mount)) &&
      isHostBind(ancestor)
    ) {
      continue;
    }
    if (!conditional.has(mount.path) || isEffective(mount, ancestor)) kept.push(mount);
  }
  warnMissingDenies(input.denies, kept, warnings);
  const symlinks = symlinksToGrants(configuredPaths, rules, kept);
  return { mounts: [...kept, ...symlinks].sort(byDepthThenPath), warnings };
}

function addGrants(
  input: LayoutInput,
  rules: Map<string, SandboxMount>,
  configuredPaths: Map<string, string>,
  warnings: string[],
): void {
  for (const { resolved, isWritable, origin } of input.grants) {
    const { realPath, configuredPath } = resolved;
    if (resolved.kind === 'missing') {
      warnings.push(`${origin} ${configuredPath} does not exist; it is not mounted`);
      continue;
    }
    const isProtected = input.protectedPaths.some(
      (hidden) =>
        isPathWithin(realPath, hidden.realPath) || isPathWithin(configuredPath, hidden.configuredPath),
    );
    if (isProtected && !isPathWithin(realPath, input.sessionSandboxDir)) {
      warnings.push(
        `${origin} ${configuredPath} is a protected path (credentials or IronCurtain state); not mounted`,
      );
      continue;
    }
    const existing = rules.get(realPath);
    if (existing?.kind === 'read-write' && existing.origin !== 'system') continue;
    rules.set(realPath, {
      kind: isWritable ? 'read-write' : 'read-only',
      path: realPath,
      source: realPath,
      origin,
    });
    if (configuredPath !== realPath) configuredPaths.set(realPath, configuredPath);
  }
  const sandbox = input.sessionSandboxDir;
  rules.set(sandbox, { kind: 'read-write', path: sandbox, source: sandbox, origin: 'session-sandbox' });
}

function addDenies(
  input: LayoutInput,
  rules: Map<string, SandboxMount>,
  conditional: Set<string>,
  warnings: string[],
): void {
  for (const { resolved, isReadDenied, origin } of input.denies) {
    const { realPath } = resolved;
    if (resolved.kind === 'missing') continue;
    if (realPath === input.sessionSandboxDir) {
      warnings.push(
        `${origin} ${resolved.configuredPath} is the session sandbox, which is always read-write; ignored`,
      );
      continue;
    }
    const existing = rules.get(realPath);
    if (isReadDenied) {
      rules.set(realPath, hiddenMount(resolved, origin));
      conditional.add(realPath);
    } else if (existing?.kind !== 'hidden') {
      rules.set(realPath, { kind: 'read-only', path: realPath, source: realPath, origin });
      // Replacing a grant at the same path keeps the path visible (now read-only); otherwise it only narrows a
      // writable ancestor.
      if (existing?.kind !== 'read-only' && existing?.kind !== 'read-write') conditional.add(realPath);
    }
  }
}

function hiddenMount(resolved: ResolvedPath, origin: SandboxMountOrigin): SandboxMount {
  return { kind: 'hidden', path: resolved.realPath, isDirectory: resolved.kind === 'directory', origin };
}

/** A hide matters under a host bind; a read-only rebind matters under a writable one. */
function isEffective(mount: SandboxMount, ancestor: SandboxMount | undefined): boolean {
  return mount.kind === 'hidden' ? isHostBind(ancestor) : ancestor?.kind === 'read-write';
}

function isHostBind(mount: SandboxMount | undefined): boolean {
  return mount?.kind === 'read-only' || mount?.kind === 'read-write';
}

function nearestAncestor(mounts: SandboxMount[], path: string): SandboxMount | undefined {
  for (let index = mounts.length - 1; index >= 0; index -= 1) {
    const mount = mounts[index];
    if (
      mount !== undefined &&
      mount.kind !== 'symlink' &&
      mount.path !== path &&
      isPathWithin(path, mount.path)
    ) {
      return mount;
    }
  }
  return undefined;
}

/** A deny of a path that does not exist yet cannot be mounted; under a writable tree the server may create it. */
function warnMissingDenies(denies: DenyRequest[], kept: SandboxMount[], warnings: string[]): void {
  for (const { resolved, origin } of denies) {
    if (resolved.kind !== 'missing') continue;
    if (nearestAncestor(kept, resolved.realPath)?.kind === 'read-write') {
      warnings.push(
        `${origin} ${resolved.configuredPath} does not exist, so it cannot be enforced; the server can create it`,
      );
    }
  }
}

/**
 * Grants are mounted at their real path (path arguments are canonicalized to real paths too). When the configured
 * path went through a symlink and no host bind above it already shows that symlink, recreate it inside.
 */
function symlinksToGrants(
  configuredPaths: Map<string, string>,
  rules: Map<string, SandboxMount>,
  kept: SandboxMount[],
): SandboxMount[] {
  const symlinks: SandboxMount[] = [];
  for (const mount of kept) {
    const configuredPath = configuredPaths.get(mount.path);
    if (configuredPath === undefined || !isHostBind(mount) || rules.has(configuredPath)) continue;
    if (isHostBind(nearestAncestor(kept, configuredPath))) continue;
    symlinks.push({ kind: 'symlink', path: configuredPath, source: mount.path, origin: mount.origin });
  }
  return symlinks;
}

/** Mount order: parents before children, then by path (bubblewrap applies mounts in order). */
export function byDepthThenPath(left: SandboxMount, right: SandboxMount): number {
  return pathDepth(left.path) - pathDepth(right.path) || left.path.localeCompare(right.path);
}
