import { describe, expect, it } from 'vitest';
import { createAddressPolicy } from '@ironcurtain/address-screen';
import {
  screenUrl,
  screenUrlWithoutResolving,
  type HostLookup,
  type ResolvedAddress,
} from '../src/ssrf-guard.js';

const publicV4: ResolvedAddress = { address: '93.184.215.14', family: 4 };
const publicV6: ResolvedAddress = { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 };

// A resolver that answers from a table, as a hostile DNS server could.
function tableLookup(table: Record<string, ResolvedAddress[]>): HostLookup & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (hostname: string): Promise<readonly ResolvedAddress[]> => {
    asked.push(hostname);
    const answer = table[hostname];
    if (answer === undefined)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return Object.assign(lookup, { asked });
}

const signal = () => AbortSignal.timeout(5000);
const screen = (url: string, lookup: HostLookup, allowed: string[] = []) =>
  screenUrl(new URL(url), { lookup, policy: createAddressPolicy(allowed), signal: signal() });

describe('SSRF guard: names [FETCH-3]', () => {
  it('pins a public name to the first address it resolved to', async () => {
    const lookup = tableLookup({ 'example.test': [publicV4, publicV6] });
    const target = await screen('https://example.test/page', lookup);
    expect(target).toMatchObject({ hostname: 'example.test', address: publicV4.address, family: 4 });
    expect(lookup.asked).toEqual(['example.test']);
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const lookup = tableLookup({ 'mixed.test': [publicV4, { address: '10.0.0.5', family: 4 }] });
    await expect(screen('http://mixed.test/', lookup)).rejects.toMatchObject({
      code: 'DESTINATION_REFUSED',
      message: expect.stringContaining('mixed.test resolves to 10.0.0.5, which is a private address'),
    });
  });

  it.each([
    ['loopback.test', '127.0.0.1', 'loopback'],
    ['v6loop.test', '::1', 'loopback'],
    ['mapped.test', '::ffff:10.1.2.3', 'an IPv6 form of 10.1.2.3'],
    ['meta.test', '169.254.169.254', 'cloud metadata'],
    ['awsmeta.test', 'fd00:ec2::254', 'cloud metadata'],
    ['zero.test', '0.0.0.0', 'unspecified'],
  ])('refuses %s resolving to %s', async (name, address, words) => {
    const lookup = tableLookup({ [name]: [{ address, family: address.includes(':') ? 6 : 4 }] });
    await expect(screen(`http://${name}/`, lookup)).rejects.toMatchObject({
      code: 'DESTINATION_REFUSED',
      message: expect.stringContaining(words),
    });
  });

  it.each(['metadata.google.internal', 'METADATA.google.internal.', 'metadata.goog'])(
    'refuses the metadata name %s without asking DNS',
    async (name) => {
      const lookup = tableLookup({});
      await expect(screen(`http://${name}/computeMetadata/v1/`, lookup)).rejects.toMatchObject({
        code: 'DESTINATION_REFUSED',
      });
      expect(lookup.asked).toEqual([]);
    },
  );

  it('reports a name that does not resolve as an upstream failure', async () => {
    await expect(screen('http://nowhere.test/', tableLookup({}))).rejects.toMatchObject({
      code: 'UPSTREAM_FAILED',
      message: expect.stringContaining('Could not resolve nowhere.test (ENOTFOUND)'),
    });
  });

  it('gives up on a resolver that never answers when the deadline passes', async () => {
    const hanging: HostLookup = () => new Promise(() => {});
    const started = Date.now();
    const attempt = screenUrl(new URL('http://slow.test/'), {
      lookup: hanging,
      policy: createAddressPolicy([]),
      signal: AbortSignal.timeout(200),
    });
    await expect(attempt).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('lets an allowed address through, and only that one [FETCH-6]', async () => {
    const lookup = tableLookup({ 'lan.test': [{ address: '127.0.0.2', family: 4 }] });
    await expect(screen('http://lan.test/', lookup, ['127.0.0.2'])).resolves.toMatchObject({
      address: '127.0.0.2',
    });
    await expect(screen('http://lan.test/', lookup, ['127.0.0.1'])).rejects.toMatchObject({
      code: 'DESTINATION_REFUSED',
    });
  });
});

describe('SSRF guard: literal addresses in every spelling [FETCH-2]', () => {
  const noDns = tableLookup({});
  it.each([
    ['http://127.0.0.1/', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://0x7f.0.0.1/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://017700000001/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://10.0.0.1/', '10.0.0.1'],
    ['http://167772161/', '10.0.0.1'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://0xa9fea9fe/', '169.254.169.254'],
    ['http://[::1]/', '::1'],
    ['http://[0:0:0:0:0:0:0:1]/', '::1'],
    ['http://[::]/', '::'],
    ['http://[::ffff:127.0.0.1]/', '127.0.0.1'],
    ['http://[::ffff:7f00:1]/', '127.0.0.1'],
    ['http://[::ffff:169.254.169.254]/', '169.254.169.254'],
    ['http://[fe80::1]/', 'fe80::1'],
    ['https://[fd00:ec2::254]/', 'fd00:ec2::254'],
  ])('refuses %s (%s) without asking DNS', async (url, address) => {
    await expect(screen(url, noDns)).rejects.toMatchObject({
      code: 'DESTINATION_REFUSED',
      message: expect.stringContaining(address),
    });
    expect(noDns.asked).toEqual([]);
  });
});

describe('SSRF guard: schemes and credentials [FETCH-1]', () => {
  const lookup = tableLookup({ 'example.test': [publicV4] });
  it.each([
    'file:///etc/passwd',
    'ftp://example.test/',
    'gopher://example.test:70/',
    'data:text/plain,hi',
    'javascript:alert(1)',
  ])('refuses %s', async (url) => {
    await expect(screen(url, lookup)).rejects.toMatchObject({
      code: 'DESTINATION_REFUSED',
      message: expect.stringContaining('only fetches http and https URLs'),
    });
  });

  it('refuses credentials in the URL', async () => {
    await expect(screen('https://user:secret@example.test/', lookup)).rejects.toMatchObject({
      message: expect.stringContaining('send an Authorization header instead'),
    });
  });
});

describe('SSRF guard without DNS, for proxy mode [FETCH-12]', () => {
  const screenForProxy =
    (url: string, allowed: string[] = []) =>
    () =>
      screenUrlWithoutResolving(new URL(url), createAddressPolicy(allowed));

  it.each([
    ['http://2130706433/', 'loopback'],
    ['http://[::ffff:10.1.2.3]/', 'an IPv6 form of 10.1.2.3'],
    ['http://100.64.0.1/', '100.64.0.1'],
    ['http://169.254.169.254/', 'cloud metadata'],
    ['http://METADATA.google.internal./', 'cloud metadata service'],
    ['http://instance-data/', 'cloud metadata service'],
    ['http://localhost:8080/', 'loopback'],
    ['http://LocalHost./', 'loopback'],
    ['http://admin.localhost/', 'loopback'],
    ['gopher://example.test/', 'only fetches http and https URLs'],
    ['https://user:secret@example.test/', 'send an Authorization header instead'],
  ])('refuses %s', (url, words) => {
    expect(screenForProxy(url)).toThrow(expect.objectContaining({ code: 'DESTINATION_REFUSED' }));
    expect(screenForProxy(url)).toThrow(words);
  });

  it('lets names through for the proxy to resolve and screen, and allowed literals [FETCH-6]', () => {
    expect(screenForProxy('https://example.test/page')).not.toThrow();
    expect(screenForProxy('http://localhost.example.test/')).not.toThrow();
    expect(screenForProxy('http://[2606:4700::1111]/')).not.toThrow();
    expect(screenForProxy('http://127.0.0.2:8080/', ['127.0.0.2'])).not.toThrow();
    expect(screenForProxy('http://127.0.0.1:8080/', ['127.0.0.2'])).toThrow('loopback');
  });
});
