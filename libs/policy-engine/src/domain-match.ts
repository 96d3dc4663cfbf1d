/** What a domain pattern is compared with. */
export interface DomainTarget {
  /** Lowercase hostname (no port). */
  host: string;
  /** For git remotes `host/owner/repo`; otherwise the host again. Patterns containing `/` compare with this. */
  canonical: string;
}

/** True for IPv4 dotted quads and anything with a `:` (IPv6): `*` never matches these. */
export function isIpAddress(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':');
}

/**
 * One pattern against one target: `*` matches any hostname except an IP address; `*.example.com` matches
 * `example.com` and its subdomains; a pattern with `/` must equal `host/owner/repo`; any other pattern is a host
 * (or IP) that must be equal. Comparison ignores case and a trailing dot.
 */
export function domainMatchesPattern(target: DomainTarget, pattern: string): boolean {
  const host = stripBrackets(target.host);
  if (host === '') return false;
  const normalized = pattern.trim().toLowerCase().replace(/\.$/, '');
  if (normalized === '*') return !isIpAddress(host);
  if (normalized.includes('/')) return target.canonical === normalizeRepositoryPattern(normalized);
  if (normalized.startsWith('*.')) {
    const parent = normalized.slice(2);
    return parent !== '' && (host === parent || host.endsWith(`.${parent}`));
  }
  return normalized !== '' && host === stripBrackets(normalized);
}

/** True when some pattern matches. An empty allowlist matches nothing. */
export function domainMatchesAllowlist(target: DomainTarget, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => domainMatchesPattern(target, pattern));
}

function normalizeRepositoryPattern(pattern: string): string {
  return pattern.replace(/\/+$/, '').replace(/\.git$/, '');
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
