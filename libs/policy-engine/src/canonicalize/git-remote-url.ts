import { hasControlCharacters } from '../control-characters.js';

/** Where a git remote points, in the form policies compare. */
export interface GitRemoteLocation {
  /** Lowercase hostname without port (brackets kept for IPv6); what bare-host patterns compare against. */
  host: string;
  /**
   * `host/owner/repo`, lowercase, no `.git`. Ports are left out: `host:2222/a/b` is how git spells an scp-like
   * remote, so a port in the canonical form would be ambiguous.
   */
  canonical: string;
}

const remoteSchemes = new Set(['https', 'http', 'ssh', 'git+ssh', 'ssh+git', 'git']);

/**
 * Parses a remote URL as git would take it: `https://host/owner/repo(.git)`, `ssh://[user@]host[:port]/owner/repo`,
 * `git://…`, or scp-like `[user@]host:owner/repo(.git)`. All forms of the same repository give the same
 * `canonical`. Returns undefined for anything else: a named remote (`origin`), a local path, `file://`, or a URL
 * with control characters, whitespace, a backslash, a query, a fragment, `.`/`..` segments or no repository path.
 */
export function parseGitRemoteUrl(value: string): GitRemoteLocation | undefined {
  // A backslash is a path separator to the URL parser but not to git or ssh: refuse rather than guess.
  if (hasControlCharacters(value) || /[\s\\]/.test(value)) return undefined;
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(value);
  if (schemeMatch !== null) {
    const scheme = (schemeMatch[1] as string).toLowerCase();
    return remoteSchemes.has(scheme) ? fromAuthorityAndPath(schemeMatch[2] as string) : undefined;
  }
  // git's rule: a colon before the first slash makes it scp-like, otherwise it is a local path.
  const scpMatch = /^(?:[^@/]+@)?(\[[^\]/]+\]|[^:/[\]@]+):(.*)$/s.exec(value);
  if (scpMatch === null) return undefined;
  return fromHostAndPath(scpMatch[1] as string, scpMatch[2] as string);
}

/**
 * Parses the canonical form `host/owner/repo` itself, so a value canonicalization already produced reads
 * back the same. The host must contain a dot (or be `localhost` or a bracketed IPv6 address) so that a named remote
 * such as `team/upstream` is never taken for a host.
 */
export function parseCanonicalGitRemote(value: string): GitRemoteLocation | undefined {
  if (hasControlCharacters(value) || /[\s\\]/.test(value) || value.includes('://')) return undefined;
  const match = /^(\[[^\]/]+\]|[^/:@[\]]+)\/(.+)$/s.exec(value);
  if (match === null) return undefined;
  const host = match[1] as string;
  if (!host.includes('.') && !host.startsWith('[') && host.toLowerCase() !== 'localhost') return undefined;
  return fromHostAndPath(host, match[2] as string);
}

/** {@link parseGitRemoteUrl}, else {@link parseCanonicalGitRemote}. */
export function parseGitRemote(value: string): GitRemoteLocation | undefined {
  return parseGitRemoteUrl(value) ?? parseCanonicalGitRemote(value);
}

function fromAuthorityAndPath(rest: string): GitRemoteLocation | undefined {
  const url = parseHttpsUrl(rest);
  if (url === undefined || url.search !== '' || url.hash !== '' || rest.includes('?') || rest.includes('#')) {
    return undefined;
  }
  return fromHostAndPath(url.hostname, rest.slice(rest.indexOf('/') + 1 || rest.length));
}

function fromHostAndPath(rawHost: string, path: string): GitRemoteLocation | undefined {
  const url = parseHttpsUrl(`${rawHost}/`);
  if (url === undefined || url.hostname === '' || path.includes('?') || path.includes('#')) return undefined;
  const host = url.hostname.replace(/\.$/, '');
  const segments = path.split('/').filter((segment) => segment !== '');
  if (segments.length === 0 || segments.some((segment) => isDotSegment(segment))) return undefined;
  const last = (segments.pop() as string).replace(/\.git$/i, '');
  if (last === '') return undefined;
  const repositoryPath = [...segments, last].join('/').toLowerCase();
  return { host, canonical: `${host}/${repositoryPath}` };
}

// The WHATWG parser gives hostnames the same treatment as browsers: lowercase, IDN to punycode, IPv4 spellings
// such as 0x7f.1 to 127.0.0.1. Any scheme's authority is parsed as https for that.
function parseHttpsUrl(rest: string): URL | undefined {
  try {
    return new URL(`https://${rest}`);
  } catch {
    return undefined;
  }
}

function isDotSegment(segment: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return true;
  }
  return decoded === '.' || decoded === '..';
}
