import { isIP } from 'node:net';
import { canonicalAddress } from '@ironcurtain/address-screen';
import { AppError, ErrorCode } from '@ironcurtain/errors';

/** A destination host as the proxy judges it: a normalized name, or the canonical spelling of an IP address. */
export interface NormalizedHost {
  /** Lower-case, punycode, no trailing dot; or a canonical IP address (no brackets). */
  host: string;
  isAddress: boolean;
}

/** The declared domains, parsed once: which hosts the proxy may connect to before the address screen. */
export interface DomainRules {
  /** True when the host matches a declared domain (an IP address only under `*` or when listed exactly). */
  isDeclared(host: NormalizedHost): boolean;
  /** The declared domains as written, for refusal messages. */
  declared: readonly string[];
}

// One DNS label: letters, digits, hyphen and underscore (SRV-style names), 1 to 63 characters.
const namePattern = /^[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})*$/;
// What may stand for a host in an authority: a bracketed IPv6 address, or anything without a delimiter. Checked
// before the URL parser sees it, which would otherwise read `a@b` as user info or `a/b` as a path.
const hostTextPattern = /^(\[[0-9A-Fa-f:.]+\]|[^\s/@?#\\:[\]%]+)$/;

/**
 * Normalizes a host the way the WHATWG URL parser does (lower case, international names as punycode, odd IPv4
 * spellings such as `2130706433` as dotted quads), then removes one trailing dot. Undefined when it is not a host
 * name or an IP address.
 */
export function normalizeHost(text: string): NormalizedHost | undefined {
  if (!hostTextPattern.test(text)) return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${text}/`).hostname;
  } catch {
    return undefined;
  }
  const unbracketed = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (isIP(unbracketed) !== 0) return { host: canonicalAddress(unbracketed), isAddress: true };
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  if (name.length > 253 || !namePattern.test(name)) return undefined;
  return { host: name, isAddress: false };
}

/**
 * Parses the declared domains: `github.com` is that name exactly, `*.github.com` any name below it (not
 * `github.com` itself), `*` any name and any IP address; an IP address is that address exactly. Anything else is
 * `CONFIG_INVALID`, naming the entry.
 */
export function parseDomainRules(allowedDomains: readonly string[]): DomainRules {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  let isAnyHost = false;
  for (const entry of allowedDomains) {
    if (entry === '*') {
      isAnyHost = true;
      continue;
    }
    const isWildcard = entry.startsWith('*.');
    const normalized = normalizeHost(isIP(entry) === 6 ? `[${entry}]` : isWildcard ? entry.slice(2) : entry);
    if (normalized === undefined || (isWildcard && normalized.isAddress)) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `allowedDomains entry "${entry}" is not a domain: write a name (github.com), its subdomains ` +
          `(*.github.com), an IP address, or * for any host`,
      );
    }
    if (isWildcard) suffixes.push(`.${normalized.host}`);
    else exact.add(normalized.host);
  }
  return {
    declared: [...allowedDomains],
    isDeclared(host) {
      if (isAnyHost || exact.has(host.host)) return true;
      return !host.isAddress && suffixes.some((suffix) => host.host.endsWith(suffix));
    },
  };
}
