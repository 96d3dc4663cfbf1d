import { describe, expect, it } from 'vitest';
import { canonicalAddress, createAddressPolicy } from '../src/address-policy.js';

// The screen the fetch MCP server (FETCH-2, FETCH-6) and mitm-egress use for destinations after DNS.
describe('address policy', () => {
  const policy = createAddressPolicy([]);
  const refusedAddresses: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['192.0.0.192', 'IETF protocol assignment'],
    ['2001:0:4136:e378::1', 'Teredo'],
    ['fec0::1', 'site-local'],
    ['100::1', 'reserved'],
    ['64:ff9b:1::1', 'local-use NAT64'],
  ];
  it.each(refusedAddresses)('refuses %s (%s)', (address, kind) => {
    const verdict = policy.check(address);
    expect(verdict.isAllowed).toBe(false);
    if (!verdict.isAllowed) expect(verdict.problem).toContain(kind);
  });

  const embeddedForms: [string, string][] = [
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:ffff:a00:1', '10.0.0.1'],
    ['::ffff:169.254.169.254', '169.254.169.254'],
    ['::127.0.0.1', '127.0.0.1'],
    ['64:ff9b::10.0.0.1', '10.0.0.1'],
    ['2002:7f00:1::', '127.0.0.1'],
    ['2002:c0a8:101::1', '192.168.1.1'],
  ];
  it.each(embeddedForms)('judges %s by the IPv4 address it embeds (%s)', (address, embedded) => {
    const verdict = policy.check(address);
    expect(verdict.isAllowed).toBe(false);
    if (!verdict.isAllowed) expect(verdict.address).toContain(`an IPv6 form of ${embedded}`);
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '1.1.1.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
  ])('allows the public address %s', (address) => {
    expect(policy.check(address)).toEqual({ isAllowed: true });
  });

  it('refuses what is not an address at all', () => {
    expect(policy.check('example.com')).toMatchObject({ isAllowed: false, problem: 'not an IP address' });
  });

  it('allows exactly the listed addresses and nothing next to them', () => {
    const allowing = createAddressPolicy(['127.0.0.2', '0:0::1']);
    expect(allowing.check('127.0.0.2').isAllowed).toBe(true);
    expect(allowing.check('::ffff:127.0.0.2').isAllowed).toBe(true);
    expect(allowing.check('::1').isAllowed).toBe(true);
    expect(allowing.check('127.0.0.1').isAllowed).toBe(false);
    expect(allowing.check('127.0.0.3').isAllowed).toBe(false);
    expect(allowing.check('::2').isAllowed).toBe(false);
    // The 6to4 and NAT64 forms of an allowed address reach other hosts: the allowance does not extend to them.
    expect(allowing.check('2002:7f00:2::').isAllowed).toBe(false);
    expect(allowing.check('64:ff9b::7f00:2').isAllowed).toBe(false);
  });

  it('spells addresses canonically', () => {
    expect(canonicalAddress('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalAddress('::ffff:127.0.0.2')).toBe('127.0.0.2');
    expect(canonicalAddress('FD00:EC2:0::254')).toBe('fd00:ec2::254');
    expect(canonicalAddress('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(() => canonicalAddress('localhost')).toThrow('not an IP address');
  });
});
