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
});
