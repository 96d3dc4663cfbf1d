import { isIPv4, isIPv6 } from 'node:net';

/** An IP address parsed to its numeric value: 32 bits for IPv4, 128 bits for IPv6. */
export type ParsedAddress = { family: 4; value: bigint } | { family: 6; value: bigint };

/**
 * Parses an IPv4 dotted quad or an IPv6 address (an IPv6 zone id such as `%eth0` is dropped). Returns undefined for
 * anything else. Only canonical forms are accepted here: odd IPv4 spellings (`2130706433`, `0x7f.1`) never reach
 * this function as addresses, because the WHATWG URL parser rewrites them to dotted quads first.
 */
export function parseAddress(text: string): ParsedAddress | undefined {
  const address = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(address)) return { family: 4, value: parseIpv4(address) };
  const withoutZone = address.split('%')[0] ?? '';
  if (isIPv6(withoutZone)) return { family: 6, value: parseIpv6(withoutZone) };
  return undefined;
}

function parseIpv4(address: string): bigint {
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function parseIpv6(address: string): bigint {
  const groups = expandIpv6Groups(address);
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

// Expands `::` and a trailing dotted quad (`::ffff:127.0.0.1`) into exactly eight 16-bit groups.
function expandIpv6Groups(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const toGroups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((piece) => (piece.includes('.') ? ipv4Groups(piece) : [parseInt(piece, 16)]));
  const headGroups = toGroups(head);
  const tailGroups = tail === undefined ? [] : toGroups(tail);
  const zeros = new Array<number>(8 - headGroups.length - tailGroups.length).fill(0);
  return [...headGroups, ...zeros, ...tailGroups];
}

function ipv4Groups(dotted: string): number[] {
  const value = Number(parseIpv4(dotted));
  return [Math.floor(value / 0x10000), value % 0x10000];
}

/** The canonical text of a parsed address: dotted quad, or RFC 5952 compressed lower-case IPv6. */
export function formatAddress(address: ParsedAddress): string {
  if (address.family === 4) return formatIpv4(address.value);
  const groups = Array.from({ length: 8 }, (_, index) =>
    Number((address.value >> BigInt(112 - index * 16)) & 0xffffn),
  );
  return compressIpv6(groups);
}

/** Formats the low 32 bits of `value` as a dotted quad. */
export function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function compressIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let start = 0; start < 8; start += 1) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length += 1;
    if (length > bestLength && length >= 2) [bestStart, bestLength] = [start, length];
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

/** A CIDR block parsed once: its network value, prefix length and family. */
export interface AddressBlock {
  family: 4 | 6;
  network: bigint;
  prefixLength: number;
}

/** Parses `a.b.c.d/n` or `x::/n`; throws on a malformed block (the tables are constants, so that is a bug). */
export function parseBlock(cidr: string): AddressBlock {
  const [addressText = '', prefixText = ''] = cidr.split('/');
  const address = parseAddress(addressText);
  if (address === undefined || !/^\d+$/.test(prefixText)) throw new Error(`malformed address block ${cidr}`);
  return { family: address.family, network: address.value, prefixLength: Number(prefixText) };
}

/** True when `address` lies inside `block` (same family, same leading `prefixLength` bits). */
export function isInBlock(address: ParsedAddress, block: AddressBlock): boolean {
  if (address.family !== block.family) return false;
  const width = BigInt(address.family === 4 ? 32 : 128);
  const shift = width - BigInt(block.prefixLength);
  return address.value >> shift === block.network >> shift;
}
