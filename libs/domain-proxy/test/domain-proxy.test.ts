import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  requestInTunnel,
  requestThrough,
  sendConnect,
  startFakeHttp,
  startProxy,
  type FakeUpstream,
  type ProxyUnderTest,
} from './proxy-fixture.js';

let upstream: FakeUpstream;
let proxy: ProxyUnderTest | undefined;
beforeAll(async () => {
  upstream = await startFakeHttp();
});
afterAll(async () => {
  await upstream.close();
});
afterEach(async () => {
  await proxy?.remove();
  proxy = undefined;
});

describe('a declared domain', () => {
  it('is tunnelled with CONNECT to the address it resolves to, resolved once', async () => {
    proxy = await startProxy({
      allowedDomains: ['api.example.test'],
      allowedAddresses: ['127.0.0.1'],
      addresses: { 'api.example.test': ['127.0.0.1'] },
    });
    const answer = await sendConnect(proxy.proxy.socketPath, `api.example.test:${upstream.port}`);
    expect(answer.status).toBe(200);
    const reply = await requestInTunnel(answer.socket, 'api.example.test', '/through-tunnel');
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    expect(reply).toContain('"url":"/through-tunnel"');
    expect(proxy.lookups).toEqual(['api.example.test']);
    expect(proxy.decisions).toEqual([{ host: 'api.example.test', port: upstream.port, isAllowed: true }]);
  });

  it('is forwarded in absolute form, without Proxy-* and hop-by-hop headers', async () => {
    proxy = await startProxy({
      allowedDomains: ['api.example.test'],
      allowedAddresses: ['127.0.0.1'],
      addresses: { 'api.example.test': ['127.0.0.1'] },
    });
    const before = upstream.requests.length;
    const answer = await requestThrough(
      proxy.proxy.socketPath,
      `http://api.example.test:${upstream.port}/path?q=1`,
      {
        'proxy-authorization': 'Basic c2VjcmV0',
        'proxy-connection': 'keep-alive',
        connection: 'keep-alive, x-drop-me',
        'x-drop-me': 'listed in Connection',
        'x-kept': 'kept',
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['x-upstream']).toBe('fake');
    const seen = upstream.requests[before];
    expect(seen).toMatchObject({ method: 'GET', url: '/path?q=1' });
    expect(seen?.headers['host']).toBe(`api.example.test:${upstream.port}`);
    expect(seen?.headers['x-kept']).toBe('kept');
    for (const dropped of ['proxy-authorization', 'proxy-connection', 'x-drop-me']) {
      expect(seen?.headers[dropped], dropped).toBeUndefined();
    }
  });
});

describe('what the proxy refuses', () => {
  it('refuses an undeclared domain with 403 naming the host and the declared domains, without resolving it', async () => {
    proxy = await startProxy({
      allowedDomains: ['github.com', '*.github.com'],
      allowedAddresses: ['127.0.0.1'],
      addresses: { 'evil.example': ['127.0.0.1'] },
    });
    const connections = upstream.connectionCount();
    const tunnel = await sendConnect(proxy.proxy.socketPath, `evil.example:${upstream.port}`);
    expect(tunnel.status).toBe(403);
    expect(tunnel.text).toContain('evil.example is not among the domains this server may reach');
    expect(tunnel.text).toContain('github.com, *.github.com');
    const forwarded = await requestThrough(proxy.proxy.socketPath, `http://evil.example:${upstream.port}/`);
    expect(forwarded.status).toBe(403);
    expect(forwarded.body).toContain('evil.example');
    expect(proxy.lookups).toEqual([]);
    expect(upstream.connectionCount()).toBe(connections);
    expect(proxy.decisions[0]).toMatchObject({ host: 'evil.example', isAllowed: false });
  });

  it('refuses a declared name that resolves to loopback, private or metadata addresses', async () => {
    proxy = await startProxy({
      allowedDomains: ['*.example.test'],
      addresses: {
        'loopback.example.test': ['127.0.0.1'],
        'private.example.test': ['10.1.2.3'],
        'metadata.example.test': ['169.254.169.254'],
        'mapped.example.test': ['::ffff:127.0.0.1'],
      },
    });
    const connections = upstream.connectionCount();
    const expectations: Record<string, RegExp> = {
      loopback: /resolves to 127\.0\.0\.1, which is a loopback address/,
      private: /resolves to 10\.1\.2\.3, which is a private address/,
      metadata: /resolves to 169\.254\.169\.254, which is the cloud metadata endpoint/,
      mapped: /an IPv6 form of 127\.0\.0\.1/,
    };
    for (const [name, reason] of Object.entries(expectations)) {
      const answer = await sendConnect(proxy.proxy.socketPath, `${name}.example.test:${upstream.port}`);
      expect(answer.status, name).toBe(403);
      expect(answer.text, name).toMatch(reason);
    }
    expect(upstream.connectionCount()).toBe(connections);
  });

  it('refuses a name that resolves to one public and one private address', async () => {
    proxy = await startProxy({
      allowedDomains: ['split.example.test'],
      addresses: { 'split.example.test': ['93.184.215.14', '192.168.1.20'] },
    });
    const answer = await sendConnect(proxy.proxy.socketPath, 'split.example.test:443');
    expect(answer.status).toBe(403);
    expect(answer.text).toMatch(
      /split\.example\.test resolves to 192\.168\.1\.20, which is a private address/,
    );
    expect(proxy.decisions).toEqual([
      expect.objectContaining({ host: 'split.example.test', port: 443, isAllowed: false }),
    ]);
  });

  it('refuses cloud metadata names even under *, without asking DNS', async () => {
    proxy = await startProxy({ allowedDomains: ['*'], addresses: {} });
    const answer = await sendConnect(proxy.proxy.socketPath, 'metadata.google.internal:80');
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('cloud metadata service');
    expect(proxy.lookups).toEqual([]);
  });
});

describe('host matching', () => {
  const statusOf = async (authority: string): Promise<number> => {
    if (proxy === undefined) throw new Error('no proxy');
    const answer = await sendConnect(proxy.proxy.socketPath, authority);
    answer.socket.destroy();
    return answer.status;
  };
  const everyName = (names: string[]) => Object.fromEntries(names.map((name) => [name, ['127.0.0.1']]));

  it('*.domain matches subdomains at any depth but not the domain itself or a look-alike', async () => {
    proxy = await startProxy({
      allowedDomains: ['*.example.test'],
      allowedAddresses: ['127.0.0.1'],
      addresses: everyName(['a.example.test', 'b.a.example.test', 'example.test', 'badexample.test']),
    });
    expect(await statusOf(`a.example.test:${upstream.port}`)).toBe(200);
    expect(await statusOf(`b.a.example.test:${upstream.port}`)).toBe(200);
    expect(await statusOf(`example.test:${upstream.port}`)).toBe(403);
    expect(await statusOf(`badexample.test:${upstream.port}`)).toBe(403);
  });

  it('normalizes case, a trailing dot and international names before matching', async () => {
    proxy = await startProxy({
      allowedDomains: ['Api.Example.Test', 'bücher.example'],
      allowedAddresses: ['127.0.0.1'],
      addresses: everyName(['api.example.test', 'xn--bcher-kva.example']),
    });
    expect(await statusOf(`API.example.TEST.:${upstream.port}`)).toBe(200);
    expect(await statusOf(`xn--bcher-kva.example:${upstream.port}`)).toBe(200);
    expect(proxy.lookups).toEqual(['api.example.test', 'xn--bcher-kva.example']);
  });

  it('lets an IP literal through only under * or when listed, and still screens it', async () => {
    proxy = await startProxy({ allowedDomains: ['github.com'], allowedAddresses: ['127.0.0.1'] });
    expect(await statusOf(`127.0.0.1:${upstream.port}`)).toBe(403);
    await proxy.remove();
    proxy = await startProxy({ allowedDomains: ['*'] });
    expect(await statusOf(`127.0.0.1:${upstream.port}`)).toBe(403);
    expect(await statusOf(`[::ffff:7f00:1]:${upstream.port}`)).toBe(403);
    await proxy.remove();
    proxy = await startProxy({ allowedDomains: ['127.0.0.1'], allowedAddresses: ['127.0.0.1'] });
    // 2130706433 is 127.0.0.1 written as one number: the URL parser's normalization makes it the listed literal.
    expect(await statusOf(`2130706433:${upstream.port}`)).toBe(200);
    expect(await statusOf(`127.0.0.2:${upstream.port}`)).toBe(403);
    expect(proxy.lookups).toEqual([]);
  });
});
