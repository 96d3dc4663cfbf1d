import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has no allowance and no search provider by default', () => {
    expect(loadConfig({})).toMatchObject({
      allowedAddresses: [],
      search: { isConfigured: false },
      logLevel: 'info',
    });
  });

  it('reads allowances as exact, canonical addresses [FETCH-6]', () => {
    expect(
      loadConfig({ FETCH_ALLOW_ADDRESSES: ' 127.0.0.2 , 0:0::1,,::ffff:192.168.1.10 ' }).allowedAddresses,
    ).toEqual(['127.0.0.2', '::1', '192.168.1.10']);
  });

  it.each([
    ['10.0.0.0/8', 'is not an IP address'],
    ['localhost', 'is not an IP address'],
    ['169.254.169.254', 'cannot be allowed'],
    ['::ffff:169.254.169.254', 'cannot be allowed'],
    ['fd00:ec2::254', 'cannot be allowed'],
  ])('refuses the allowance %s [FETCH-6]', (value, message) => {
    expect(() => loadConfig({ FETCH_ALLOW_ADDRESSES: value })).toThrow(message);
  });

  it('picks the first provider with a key: Brave, then Tavily, then SerpApi', () => {
    expect(loadConfig({ SERPAPI_API_KEY: 's', TAVILY_API_KEY: 't' }).search).toMatchObject({
      isConfigured: true,
      provider: 'tavily',
      apiKey: 't',
      baseUrl: 'https://api.tavily.com',
      isBaseUrlOverridden: false,
    });
    expect(loadConfig({ SERPAPI_API_KEY: 's', BRAVE_API_KEY: 'b' }).search).toMatchObject({
      provider: 'brave',
    });
  });

  it('lets WEB_SEARCH_PROVIDER choose among several keys, and treats empty variables as unset', () => {
    const config = loadConfig({
      BRAVE_API_KEY: 'b',
      SERPAPI_API_KEY: 's',
      WEB_SEARCH_PROVIDER: 'serpapi',
      SERPAPI_BASE_URL: '',
    });
    expect(config.search).toMatchObject({
      provider: 'serpapi',
      baseUrl: 'https://serpapi.com',
      isBaseUrlOverridden: false,
    });
    expect(loadConfig({ BRAVE_API_KEY: '' }).search.isConfigured).toBe(false);
  });

  it('accepts an https base URL anywhere, and http only on loopback', () => {
    expect(
      loadConfig({ BRAVE_API_KEY: 'b', BRAVE_BASE_URL: 'https://proxy.example/brave' }).search,
    ).toMatchObject({
      baseUrl: 'https://proxy.example/brave',
      isBaseUrlOverridden: true,
    });
    expect(loadConfig({ BRAVE_API_KEY: 'b', BRAVE_BASE_URL: 'http://127.0.0.1:9999' }).search).toMatchObject({
      isBaseUrlOverridden: true,
    });
    expect(() => loadConfig({ BRAVE_BASE_URL: 'http://10.0.0.8' })).toThrow('must be an https URL');
    expect(() => loadConfig({ TAVILY_BASE_URL: 'ftp://x' })).toThrow('TAVILY_BASE_URL');
  });

  it('never echoes an API key in a configuration error', () => {
    expect(() => loadConfig({ BRAVE_API_KEY: 'secret-brave-key', WEB_SEARCH_PROVIDER: 'nope' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret-brave-key') }),
    );
  });

  it('is in direct mode without proxy variables, and treats empty ones as unset', () => {
    expect(loadConfig({}).proxy).toBeUndefined();
    expect(loadConfig({ HTTPS_PROXY: '', http_proxy: '' }).proxy).toBeUndefined();
  });

  it('reads the proxy from any of the four variables, which must agree [FETCH-11]', () => {
    expect(loadConfig({ HTTPS_PROXY: 'http://127.0.0.1:8080' }).proxy).toEqual({
      host: '127.0.0.1',
      port: 8080,
      url: 'http://127.0.0.1:8080',
      variables: ['HTTPS_PROXY'],
    });
    const all = 'http://127.0.0.1:3128';
    expect(
      loadConfig({ HTTP_PROXY: all, HTTPS_PROXY: `${all}/`, http_proxy: all, https_proxy: all }).proxy,
    ).toMatchObject({ port: 3128, variables: ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'] });
    expect(loadConfig({ http_proxy: 'http://[::1]:9' }).proxy).toMatchObject({ host: '::1', port: 9 });
    expect(loadConfig({ HTTP_PROXY: 'http://127.0.0.5' }).proxy).toMatchObject({ port: 80 });
    expect(() => loadConfig({ https_proxy: 'http://127.0.0.1:1', HTTP_PROXY: 'http://127.0.0.1:2' })).toThrow(
      /HTTP_PROXY .*names another proxy than https_proxy \(http:\/\/127\.0\.0\.1:1\)/,
    );
  });

  it.each([
    ['https://127.0.0.1:8080', 'must be an http:// URL'],
    ['socks5://127.0.0.1:1080', 'must be an http:// URL'],
    ['http://10.0.0.5:3128', 'must name a loopback IP address'],
    ['http://proxy.example:3128', 'must name a loopback IP address'],
    ['http://localhost:8080', 'not a name such as localhost'],
    ['http://[::ffff:127.0.0.1]:8080', 'must name a loopback IP address'],
    ['http://user:pass@127.0.0.1:8080', 'must not carry credentials'],
    ['http://127.0.0.1:8080/path', 'without a path'],
    ['127.0.0.1:8080', 'is not a URL; expected http://127.0.0.1:<port>'],
    ['not a url', 'is not a URL'],
  ])('refuses the proxy URL %s [FETCH-11]', (value, message) => {
    expect(() => loadConfig({ HTTPS_PROXY: value })).toThrow(message);
  });

  it('lists every bad proxy variable in one error', () => {
    expect(() => loadConfig({ HTTPS_PROXY: 'http://10.0.0.5:1', http_proxy: 'https://127.0.0.1:1' })).toThrow(
      /HTTPS_PROXY .*loopback[\s\S]*http_proxy .*http:\/\/ URL/,
    );
  });
});
