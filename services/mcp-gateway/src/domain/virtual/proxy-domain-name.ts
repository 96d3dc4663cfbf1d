import { domainToASCII } from 'node:url';
import { EgressHostName } from '@ironcurtain/proto-schemas';

/** A host name the agent may ask the proxy for, in canonical form; or why it is refused. */
export type ProxyDomainName = { ok: true; domain: string } | { ok: false; reason: string };

/**
 * Names that never reach the public internet (RFC 6761, 6762, 8375 and common private suffixes): opening one
 * would point the proxy at the machine or the local network, not at the web.
 */
const nonPublicSuffixes = [
  'localhost',
  'local',
  'localdomain',
  'internal',
  'intranet',
  'lan',
  'home',
  'corp',
  'private',
  'home.arpa',
  'arpa',
  'test',
  'invalid',
  'example',
  'onion',
];

/**
 * Canonicalizes a domain the `proxy` tools name: lower case, an international name as punycode, no trailing dot.
 * Refused: IP addresses (any spelling the URL parser reads as one), wildcards, ports, paths, single labels, names
 * that stay local, and anything the egress service would not accept as a host (`EgressHostName`).
 */
export function normalizeProxyDomain(value: string): ProxyDomainName {
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value.includes('*')) return refused(`${shown} is a wildcard; name each host (such as docs.python.org)`);
  if (value.includes(':') || value.startsWith('[')) {
    return refused(`${shown} is not a host name: give the name alone, without scheme, port or IPv6 address`);
  }
  if (/[/\\?#@\s]/u.test(value) || /\p{Cc}/u.test(value)) {
    return refused(`${shown} is not a host name: give the name alone, such as docs.python.org`);
  }
  const ascii = domainToASCII(value).replace(/\.$/, '');
  if (ascii === '') return refused(`${shown} is not a valid host name`);
  if (isIpv4(ascii)) return refused(`${shown} is an IP address; only named public hosts can be added`);
  const suffix = nonPublicSuffixes.find((name) => ascii === name || ascii.endsWith(`.${name}`));
  if (suffix !== undefined) return refused(`${shown} is a local name (.${suffix}), not a public host`);
  if (!EgressHostName.safeParse(ascii).success) {
    return refused(
      `${shown} is not a public host name: at least two labels of a-z, 0-9 and "-", ending in a letter`,
    );
  }
  return { ok: true, domain: ascii };
}

// The URL parser turns a name whose last label is a number (`1.2.3.4`, `0x7f.1`, `2130706433`) into an IPv4
// address; such a name is an address, whatever its spelling.
function isIpv4(ascii: string): boolean {
  const last = ascii.split('.').at(-1) ?? '';
  return /^(?:0x[0-9a-f]*|[0-9]+)$/.test(last);
}

function refused(reason: string): ProxyDomainName {
  return { ok: false, reason };
}
