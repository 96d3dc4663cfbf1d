import { lookup as dnsLookup } from 'node:dns/promises';
import { canonicalAddress, metadataAddresses, parseAddress } from '@ironcurtain/address-screen';
import type { HostLookup, ResolvedAddress } from '@ironcurtain/domain-proxy';

/**
 * Host names the servers' network filters resolve without asking DNS (MCPGW_SERVER_RESOLVE), like curl's `--resolve`:
 * exact names (`docs.python.org`) and wildcards (`*.example.test`: every name below it, not the name itself), each
 * to one IP address. Keys are normalized (lower case, punycode, no trailing dot).
 */
export type HostOverrides = Readonly<Record<string, string>>;

/** The system resolver, as the network filter uses it by default: every address, in the resolver's order. */
const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, order: 'verbatim' });

/**
 * Parses MCPGW_SERVER_RESOLVE: a JSON object `{"<host>": "<ip>", "*.<domain>": "<ip>"}`. Returns the normalized
 * overrides, or every problem found (each names the entry and what to change). Empty text means no overrides.
 */
export function parseHostOverrides(text: string): { overrides: HostOverrides; problems: string[] } {
  if (text.trim() === '') return { overrides: {}, problems: [] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { overrides: {}, problems: ['must be a JSON object {"<host>": "<ip address>", …}'] };
  }
  const overrides: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(json)) {
    const host = normalizedHostPattern(key);
    if (host === undefined) {
      problems.push(`"${key}" is not a host name or a "*.domain" wildcard (no ports, no IP addresses)`);
      continue;
    }
    const problem = addressProblem(value);
    if (problem !== undefined) {
      problems.push(`"${key}": ${problem}`);
      continue;
    }
    overrides[host] = value as string;
  }
  return { overrides, problems };
}

function addressProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || parseAddress(value) === undefined) {
    return `${JSON.stringify(value)} is not an IP address (give exactly one address as a string)`;
  }
  if (metadataAddresses.includes(canonicalAddress(value))) {
    return `${value} is a cloud metadata endpoint and cannot be a resolve target`;
  }
  return undefined;
}

/** The name as the network filter sees it (WHATWG URL host: lower case, punycode, one trailing dot removed). */
function normalizedHostPattern(key: string): string | undefined {
  const isWildcard = key.startsWith('*.');
  const name = isWildcard ? key.slice(2) : key;
  if (name === '' || /[/:@?#\s[\]*]/.test(name)) return undefined;
  let host: string;
  try {
    host = new URL(`http://${name}/`).hostname;
  } catch {
    return undefined;
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '' || parseAddress(host) !== undefined) return undefined;
  return isWildcard ? `*.${host}` : host;
}

/**
 * A resolver that answers the overridden names from `overrides` (an exact entry first, then the longest matching
 * wildcard) and asks `fallback` (the system resolver) for every other name. The address it answers is still
 * screened by the filter: a loopback or private target also needs MCPGW_SERVER_ALLOW_ADDRESSES.
 */
export function lookupWithOverrides(
  overrides: HostOverrides,
  fallback: HostLookup = systemLookup,
): HostLookup {
  const wildcards = Object.keys(overrides)
    .filter((key) => key.startsWith('*.'))
    .sort((left, right) => right.length - left.length);
  return async (hostname) => {
    const address =
      overrides[hostname] ??
      wildcards
        .filter((pattern) => hostname.endsWith(pattern.slice(1)))
        .map((pattern) => overrides[pattern])
        .find((value) => value !== undefined);
    if (address === undefined) return fallback(hostname);
    const resolved: ResolvedAddress = { address, family: address.includes(':') ? 6 : 4 };
    return [resolved];
  };
}
