import { findGitRepository, type GitRepository } from './find-git-repository.js';
import { parseGitRemoteUrl, type GitRemoteLocation } from './git-remote-url.js';
import { gitConfigValues, type GitConfigEntry } from './parse-git-config.js';

/** Where a git call's remote really points, or why that cannot be known (then the call must not be allowed). */
export type GitRemoteResolution =
  | {
      ok: true;
      remote: GitRemoteLocation;
      /** The configured remotes involved (empty when the call named a URL). */
      remoteNames: string[];
      /** The URLs git could use for them, after `insteadOf` rewriting. */
      urls: string[];
    }
  | { ok: false; reason: string; isNoRemoteConfigured?: boolean };

/**
 * The remote a git call on `repositoryPath` will use: the named remote (or URL) when `requested` is given, else the
 * branch's push remote / tracking remote (`branch.<name>.pushRemote`, `remote.pushDefault`, `branch.<name>.remote`)
 * else `origin` — read from the repository's own files, never by running git. Push and fetch may pick different
 * remotes, and a remote may have several URLs (`url`, `pushurl`, `insteadOf` rewrites): all of them must be the
 * same repository, else the result is an error, as is a named remote that is not configured or a URL that is a
 * local path.
 */
export function resolveEffectiveGitRemote(repositoryPath: string, requested?: string): GitRemoteResolution {
  let repository: GitRepository | undefined;
  try {
    repository = findGitRepository(repositoryPath);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  if (repository === undefined) {
    if (requested !== undefined && parseGitRemoteUrl(requested) !== undefined) {
      return fromUrls([requested], [], []);
    }
    return {
      ok: false,
      reason: `no git repository at or above ${repositoryPath}`,
      isNoRemoteConfigured: true,
    };
  }
  if (requested !== undefined) return resolveRequested(repository, requested);
  return resolveDefault(repository);
}

function resolveRequested(repository: GitRepository, requested: string): GitRemoteResolution {
  if (isConfiguredRemote(repository.config, requested)) return resolveNames(repository, [requested]);
  if (parseGitRemoteUrl(requested) === undefined) {
    return {
      ok: false,
      reason: `"${requested}" is neither a remote configured in ${repository.commonDir} nor a remote URL`,
    };
  }
  const candidates = [fetchUrl(requested, repository.config), pushUrl(requested, repository.config)];
  return fromUrls(candidates, [], candidates);
}

function resolveDefault(repository: GitRepository): GitRemoteResolution {
  const config = repository.config;
  const branch = repository.branch;
  const last = (section: string, subsection: string | undefined, key: string): string | undefined => {
    const value = gitConfigValues(config, section, subsection, key).at(-1);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const tracking = branch === undefined ? undefined : last('branch', branch, 'remote');
  const fetchName = tracking ?? 'origin';
  const pushName =
    (branch === undefined ? undefined : last('branch', branch, 'pushremote')) ??
    last('remote', undefined, 'pushdefault') ??
    fetchName;
  const names = [...new Set([fetchName, pushName])];
  if (names.length === 1 && tracking === undefined && !isConfiguredRemote(config, 'origin')) {
    // git itself stops here ("no configured push destination"), so there is no remote to check.
    return {
      ok: false,
      reason: `no remote configured in ${repository.commonDir}`,
      isNoRemoteConfigured: true,
    };
  }
  return resolveNames(repository, names);
}

function resolveNames(repository: GitRepository, names: readonly string[]): GitRemoteResolution {
  const candidates: string[] = [];
  for (const name of names) {
    if (!isConfiguredRemote(repository.config, name)) {
      return { ok: false, reason: `remote "${name}" is not configured in ${repository.commonDir}` };
    }
    const urls = stringValues(repository.config, name, 'url');
    const pushUrls = stringValues(repository.config, name, 'pushurl');
    if (urls.length === 0 && pushUrls.length === 0) {
      return { ok: false, reason: `remote "${name}" in ${repository.commonDir} has no url` };
    }
    for (const url of urls) {
      candidates.push(fetchUrl(url, repository.config));
      if (pushUrls.length === 0) candidates.push(pushUrl(url, repository.config));
    }
    for (const url of pushUrls) candidates.push(fetchUrl(url, repository.config));
  }
  return fromUrls(candidates, [...names], candidates);
}

function fromUrls(
  candidates: readonly string[],
  remoteNames: string[],
  shown: readonly string[],
): GitRemoteResolution {
  const locations = new Map<string, GitRemoteLocation>();
  for (const url of new Set(candidates)) {
    const location = parseGitRemoteUrl(url);
    if (location === undefined)
      return { ok: false, reason: `remote URL "${url}" is a local path or not a remote URL` };
    locations.set(location.canonical, location);
  }
  const [first, ...others] = [...locations.values()];
  if (first === undefined) return { ok: false, reason: 'no remote URL' };
  if (others.length > 0) {
    const all = [...locations.keys()].join(', ');
    return { ok: false, reason: `the remote is ambiguous (${all}); name the remote or URL explicitly` };
  }
  return { ok: true, remote: first, remoteNames, urls: [...new Set(shown)] };
}

function isConfiguredRemote(config: readonly GitConfigEntry[], name: string): boolean {
  return config.some((entry) => entry.section === 'remote' && entry.subsection === name);
}

function stringValues(config: readonly GitConfigEntry[], remote: string, key: string): string[] {
  return gitConfigValues(config, 'remote', remote, key).filter(
    (value): value is string => typeof value === 'string',
  );
}

// git's url.<base>.insteadOf: the longest matching prefix is replaced by <base>.
function fetchUrl(url: string, config: readonly GitConfigEntry[]): string {
  return rewrite(url, config, 'insteadof') ?? url;
}

// For pushes, pushInsteadOf wins over insteadOf when it matches.
function pushUrl(url: string, config: readonly GitConfigEntry[]): string {
  return rewrite(url, config, 'pushinsteadof') ?? fetchUrl(url, config);
}

function rewrite(url: string, config: readonly GitConfigEntry[], key: string): string | undefined {
  let best: { prefix: string; base: string } | undefined;
  for (const entry of config) {
    if (entry.section !== 'url' || entry.key !== key || entry.subsection === undefined) continue;
    if (typeof entry.value !== 'string' || !url.startsWith(entry.value)) continue;
    if (best === undefined || entry.value.length > best.prefix.length)
      best = { prefix: entry.value, base: entry.subsection };
  }
  return best === undefined ? undefined : best.base + url.slice(best.prefix.length);
}
