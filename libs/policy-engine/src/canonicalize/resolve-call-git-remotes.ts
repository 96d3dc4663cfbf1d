import { roleKindOf } from '../argument-roles.js';
import type { ToolCall } from '../evaluate/evaluation-types.js';
import type { ResolvedArgumentRoles } from '../evaluate/resolve-tool-annotation.js';
import { parseGitRemoteUrl } from './git-remote-url.js';
import { resolveEffectiveGitRemote, type GitRemoteResolution } from './resolve-effective-git-remote.js';
import { resolveRealPath, type PathBase } from './resolve-real-path.js';

/** One git-remote-url argument after canonicalization. */
export interface ResolvedGitRemote {
  argument: string;
  /** What the call said (a remote name or URL); undefined when the argument was absent and the default was used. */
  requested: string | undefined;
  /** `host/owner/repo`, now the argument's value. */
  canonical: string;
  /** The configured remotes involved (empty for a URL). */
  remoteNames: string[];
  /** The URLs git may use for it. */
  urls: string[];
}

/** Options of {@link resolveCallGitRemotes}, a subset of the canonicalization context. */
export interface GitRemoteOptions {
  gitServers?: readonly string[];
  cloneTools?: readonly string[];
  /** Where a clone's local source path is resolved from (the sandbox) and where `~` points. */
  sandboxDir?: string;
  homeDir?: string;
}

type RemotesResult = { ok: true; gitRemotes: ResolvedGitRemote[] } | { ok: false; reason: string };

/**
 * Replaces every git-remote-url argument with the `host/owner/repo` it really points at. On a git server, for a
 * call on a repository (its path argument, already canonical), a name is looked up in the repository's config and
 * an absent remote becomes the effective default one. Clone tools take a remote URL, or a local repository (a path
 * or a `file://` URL), which becomes its real path: the evaluation reads it as a `read-path` value. Elsewhere the
 * value must be a remote URL. Anything that cannot be resolved is an error.
 */
export function resolveCallGitRemotes(
  call: ToolCall,
  entries: Map<string, unknown>,
  roles: ResolvedArgumentRoles,
  options: GitRemoteOptions,
): RemotesResult {
  const remoteArguments = [...roles].filter(([, argumentRoles]) => argumentRoles.includes('git-remote-url'));
  if (remoteArguments.length === 0) return { ok: true, gitRemotes: [] };
  const isGitServer = (options.gitServers ?? ['git']).includes(call.serverName);
  const isClone = (options.cloneTools ?? ['git_clone']).includes(call.toolName);
  const repositoryPath = isGitServer && !isClone ? findRepositoryPath(entries, roles) : undefined;
  const gitRemotes: ResolvedGitRemote[] = [];
  for (const [argument] of remoteArguments) {
    const raw = entries.get(argument);
    const requested = raw === undefined || raw === null || raw === '' ? [] : Array.isArray(raw) ? raw : [raw];
    if (requested.length === 0) {
      if (repositoryPath === undefined) continue;
      const resolution = resolveEffectiveGitRemote(repositoryPath);
      if (!resolution.ok && resolution.isNoRemoteConfigured === true) continue;
      if (!resolution.ok) return { ok: false, reason: `argument "${argument}": ${resolution.reason}` };
      entries.set(argument, resolution.remote.canonical);
      gitRemotes.push(toResolved(argument, undefined, resolution));
      continue;
    }
    const canonical: string[] = [];
    for (const item of requested as string[]) {
      const localSource = isClone && isGitServer ? localRepositoryPath(item, options) : undefined;
      if (localSource !== undefined) {
        canonical.push(localSource);
        continue;
      }
      const resolution = resolveOne(item, repositoryPath);
      if (!resolution.ok) return { ok: false, reason: `argument "${argument}": ${resolution.reason}` };
      canonical.push(resolution.remote.canonical);
      gitRemotes.push(toResolved(argument, item, resolution));
    }
    entries.set(argument, Array.isArray(raw) ? canonical : canonical[0]);
  }
  return { ok: true, gitRemotes };
}

function resolveOne(item: string, repositoryPath: string | undefined): GitRemoteResolution {
  if (repositoryPath !== undefined) return resolveEffectiveGitRemote(repositoryPath, item);
  const remote = parseGitRemoteUrl(item);
  if (remote !== undefined) return { ok: true, remote, remoteNames: [], urls: [item] };
  return { ok: false, reason: `"${item}" is not a remote URL, and a named remote cannot be resolved here` };
}

/**
 * A clone source that is a local repository — a `file://` URL, or a path written as one (`/…`, `./…`, `../…`; never
 * `<transport>::<address>`) — as its real path; undefined for anything else (a remote URL, a bare name, or garbage
 * the caller refuses).
 */
function localRepositoryPath(item: string, options: GitRemoteOptions): string | undefined {
  const base: PathBase = { homeDir: options.homeDir, baseDir: options.sandboxDir };
  if (item === '' || item.includes('::') || parseGitRemoteUrl(item) !== undefined) return undefined;
  if (/^file:\/\//i.test(item)) {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      return undefined;
    }
    if (url.host !== '' || url.search !== '' || url.hash !== '') return undefined;
    return resolveRealPath(decodeURIComponent(url.pathname), base);
  }
  // A bare word (`origin`) is a directory to git but reads as a remote name: only explicit paths count.
  const isExplicitPath = item.startsWith('/') || item.startsWith('./') || item.startsWith('../');
  return isExplicitPath ? resolveRealPath(item, base) : undefined;
}

// The repository a git call works on: its `path` argument, else the first single path-role argument.
function findRepositoryPath(
  entries: ReadonlyMap<string, unknown>,
  roles: ResolvedArgumentRoles,
): string | undefined {
  const candidates = [...roles]
    .filter(([, argumentRoles]) => argumentRoles.some((role) => roleKindOf(role) === 'path'))
    .map(([argument]) => argument)
    .sort((left, right) => Number(right === 'path') - Number(left === 'path'));
  for (const argument of candidates) {
    const value = entries.get(argument);
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function toResolved(
  argument: string,
  requested: string | undefined,
  resolution: Extract<GitRemoteResolution, { ok: true }>,
): ResolvedGitRemote {
  return {
    argument,
    requested,
    canonical: resolution.remote.canonical,
    remoteNames: resolution.remoteNames,
    urls: resolution.urls,
  };
}
