import {
  formatAddress,
  isInBlock,
  parseAddress,
  parseBlock,
  type AddressBlock,
  type ParsedAddress,
} from './ip-address.js';

/**
 * The verdict on one address. A refusal names the address (with the IPv4 address it embeds, if any) and what kind
 * of address it is, e.g. `::ffff:7f00:1 (an IPv6 form of 127.0.0.1)` and `a loopback address (127.0.0.0/8)`.
 */
export type AddressVerdict = { isAllowed: true } | { isAllowed: false; address: string; problem: string };

/** Decides which resolved addresses http_fetch may connect to. */
export interface AddressPolicy {
  check(address: string): AddressVerdict;
}

interface NamedBlock {
  block: AddressBlock;
  description: string;
}

const named = (cidr: string, description: string): NamedBlock => ({ block: parseBlock(cidr), description });

/**
 * The cloud metadata endpoints (AWS, GCP, Azure, OpenStack use 169.254.169.254; AWS also fd00:ec2::254). They are
 * never allowed, not even through FETCH_ALLOW_ADDRESSES: a credential-bearing endpoint is never a "LAN service".
 */
export const metadataAddresses: readonly string[] = ['169.254.169.254', 'fd00:ec2::254'];

// Every IPv4 block that is not globally reachable unicast (IANA special-purpose registry, RFC 6890 and successors).
// Order matters only for the wording of the reason: the metadata address comes before its link-local block.
const ipv4Blocks: readonly NamedBlock[] = [
  named('169.254.169.254/32', 'the cloud metadata endpoint'),
  named('0.0.0.0/8', 'an unspecified ("this network") address (0.0.0.0/8)'),
  named('10.0.0.0/8', 'a private address (10.0.0.0/8)'),
  named('100.64.0.0/10', 'a carrier-grade NAT address (100.64.0.0/10)'),
  named('127.0.0.0/8', 'a loopback address (127.0.0.0/8)'),
  named('169.254.0.0/16', 'a link-local address (169.254.0.0/16)'),
  named('172.16.0.0/12', 'a private address (172.16.0.0/12)'),
  named('192.0.0.0/24', 'an IETF protocol assignment (192.0.0.0/24)'),
  named('192.0.2.0/24', 'a documentation address (192.0.2.0/24)'),
  named('192.88.99.0/24', 'a 6to4 relay anycast address (192.88.99.0/24)'),
  named('192.168.0.0/16', 'a private address (192.168.0.0/16)'),
  named('198.18.0.0/15', 'a benchmarking address (198.18.0.0/15)'),
  named('198.51.100.0/24', 'a documentation address (198.51.100.0/24)'),
  named('203.0.113.0/24', 'a documentation address (203.0.113.0/24)'),
  named('224.0.0.0/4', 'a multicast address (224.0.0.0/4)'),
  named('240.0.0.0/4', 'a reserved or broadcast address (240.0.0.0/4)'),
];

// IPv6 blocks refused outright. Anything outside 2000::/3 (global unicast) is refused as well, below.
const ipv6Blocks: readonly NamedBlock[] = [
  named('fd00:ec2::254/128', 'the cloud metadata endpoint'),
  named('::/128', 'the unspecified address (::)'),
  named('::1/128', 'the loopback address (::1)'),
  named('64:ff9b:1::/48', 'a local-use NAT64 address (64:ff9b:1::/48)'),
  named('2001::/23', 'an IETF protocol assignment, such as Teredo (2001::/23)'),
  named('2001:db8::/32', 'a documentation address (2001:db8::/32)'),
  named('3fff::/20', 'a documentation address (3fff::/20)'),
  named('fc00::/7', 'a unique local (private) address (fc00::/7)'),
  named('fe80::/10', 'a link-local address (fe80::/10)'),
  named('fec0::/10', 'a site-local address (fec0::/10)'),
  named('ff00::/8', 'a multicast address (ff00::/8)'),
];

const globalUnicast = parseBlock('2000::/3');
// IPv6 forms that carry an IPv4 address inside them; the embedded address is screened by the IPv4 rules.
const ipv4Mapped = parseBlock('::ffff:0:0/96');
const ipv4Compatible = parseBlock('::/96');
const nat64 = parseBlock('64:ff9b::/96');
const sixToFour = parseBlock('2002::/16');

/**
 * The address policy of http_fetch: only globally reachable unicast addresses, plus the exact addresses listed in
 * `allowedAddresses` (FETCH_ALLOW_ADDRESSES). IPv6 forms that embed an IPv4 address (IPv4-mapped, IPv4-compatible,
 * NAT64, 6to4) are judged by the embedded address, so `::ffff:127.0.0.1` is as loopback as `127.0.0.1`.
 */
export function createAddressPolicy(allowedAddresses: readonly string[]): AddressPolicy {
  const allowed = new Set(allowedAddresses.map(canonicalAddress));
  return {
    check(text) {
      const address = parseAddress(text);
      if (address === undefined) return { isAllowed: false, address: text, problem: 'not an IP address' };
      if (allowed.has(formatAddress(mappedIpv4(address) ?? address))) return { isAllowed: true };
      const embedded = embeddedIpv4(address);
      const judged = embedded ?? address;
      const problem = specialPurpose(judged);
      if (problem === undefined) return { isAllowed: true };
      const form = embedded === undefined ? '' : ` (an IPv6 form of ${formatAddress(embedded)})`;
      return { isAllowed: false, address: `${formatAddress(address)}${form}`, problem };
    },
  };
}

/**
 * The canonical spelling of an address, so `0:0::1` matches `::1` and `::ffff:127.0.0.2` matches `127.0.0.2` (the
 * kernel sends an IPv4-mapped address to the IPv4 host). Other embedding forms (NAT64, 6to4) reach different hosts,
 * so an allowance never extends to them.
 */
export function canonicalAddress(text: string): string {
  const address = parseAddress(text);
  if (address === undefined) throw new Error(`${text} is not an IP address`);
  return formatAddress(mappedIpv4(address) ?? address);
}

function mappedIpv4(address: ParsedAddress): ParsedAddress | undefined {
  if (address.family === 4 || !isInBlock(address, ipv4Mapped)) return undefined;
  return { family: 4, value: address.value & 0xffffffffn };
}

function embeddedIpv4(address: ParsedAddress): ParsedAddress | undefined {
  if (address.family === 4) return undefined;
  const isMappedForm = isInBlock(address, ipv4Mapped) || isInBlock(address, nat64);
  // ::/96 also holds :: and ::1, which have their own names; the rest is deprecated IPv4-compatible form.
  const isCompatibleForm = isInBlock(address, ipv4Compatible) && address.value > 1n;
  if (isMappedForm || isCompatibleForm) return { family: 4, value: address.value & 0xffffffffn };
  if (isInBlock(address, sixToFour)) return { family: 4, value: (address.value >> 80n) & 0xffffffffn };
  return undefined;
}

function specialPurpose(address: ParsedAddress): string | undefined {
  const blocks = address.family === 4 ? ipv4Blocks : ipv6Blocks;
  const match = blocks.find((candidate) => isInBlock(address, candidate.block));
  if (match !== undefined) return match.description;
  if (address.family === 6 && !isInBlock(address, globalUnicast))
    return 'a reserved address (outside 2000::/3)';
  return undefined;
}
