import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseServiceEnv, loadEnv, resolveHome } from '@ironcurtain/config';

describe('loadEnv', () => {
  it('applies defaults', () => {
    const config = loadEnv(baseServiceEnv, {});
    expect(config.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('takes the nkey seed file of the NATS login, and refuses an empty one', () => {
    expect(loadEnv(baseServiceEnv, {}).NATS_NKEY_SEED_FILE).toBeUndefined();
    const config = loadEnv(baseServiceEnv, { NATS_NKEY_SEED_FILE: '/run/secrets/nats-nkey' });
    expect(config.NATS_NKEY_SEED_FILE).toBe('/run/secrets/nats-nkey');
    expect(() => loadEnv(baseServiceEnv, { NATS_NKEY_SEED_FILE: '' })).toThrow(/NATS_NKEY_SEED_FILE/);
  });

  it('takes the KV replicas from NATS_KV_REPLICAS: 1 by default, 1 to 5', () => {
    expect(loadEnv(baseServiceEnv, {}).NATS_KV_REPLICAS).toBe(1);
    expect(loadEnv(baseServiceEnv, { NATS_KV_REPLICAS: '3' }).NATS_KV_REPLICAS).toBe(3);
    for (const bad of ['0', '6', '2.5', 'three']) {
      expect(() => loadEnv(baseServiceEnv, { NATS_KV_REPLICAS: bad })).toThrow(/NATS_KV_REPLICAS/);
    }
  });

  it('lists every bad variable in one error, with how to fix it', () => {
    const schema = baseServiceEnv.extend({ PORT: z.coerce.number().int().min(1).max(65535) });
    let thrown: unknown;
    try {
      loadEnv(schema, { LOG_LEVEL: 'loud', PORT: '99999' }, 'test service configuration');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'CONFIG_INVALID' });
    const message = (thrown as Error).message;
    expect(message).toMatch(/Invalid test service configuration/);
    expect(message).toMatch(/LOG_LEVEL \(set to "loud"\)/);
    expect(message).toMatch(/PORT \(set to "99999"\)/);
  });

  it('never prints a long value whole', () => {
    const schema = z.object({ API_KEY: z.string().max(10) });
    const secret = 'sk-ant-' + 'x'.repeat(60);
    expect(() => loadEnv(schema, { API_KEY: secret })).toThrow(/API_KEY/);
    try {
      loadEnv(schema, { API_KEY: secret });
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });
});

describe('resolveHome', () => {
  it('defaults to ~/.ironcurtain and expands ~', () => {
    expect(resolveHome(undefined, '/home/ann')).toBe('/home/ann/.ironcurtain');
    expect(resolveHome('', '/home/ann')).toBe('/home/ann/.ironcurtain');
    expect(resolveHome('~/ic', '/home/ann')).toBe('/home/ann/ic');
    expect(resolveHome('/srv/ic', '/home/ann')).toBe('/srv/ic');
  });
});

describe('shared environment fields', () => {
  it('parses milliseconds within bounds and comma lists without blanks', async () => {
    const { envCommaList, envMilliseconds } = await import('@ironcurtain/config');
    const schema = z.object({ TIMEOUT: envMilliseconds(5000), SERVERS: envCommaList });
    expect(loadEnv(schema, {})).toEqual({ TIMEOUT: 5000, SERVERS: [] });
    expect(loadEnv(schema, { TIMEOUT: '250', SERVERS: ' git, ,fetch ' })).toEqual({
      TIMEOUT: 250,
      SERVERS: ['git', 'fetch'],
    });
    expect(() => loadEnv(schema, { TIMEOUT: '0' })).toThrow(/TIMEOUT/);
    expect(() => loadEnv(schema, { TIMEOUT: '3600001' })).toThrow(/TIMEOUT/);
  });
});
