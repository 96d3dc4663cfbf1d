import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { environmentWithNatsOptions, resolveCliNats } from '../src/domain/cli-nats.js';

describe('resolveCliNats', () => {
  let home: string;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-cli-nats-'));
    await mkdir(join(home, 'run'));
  });

  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  const writeStack = (supervisorPid: number) =>
    writeFile(
      join(home, 'run', 'stack.json'),
      JSON.stringify({
        natsUrl: 'nats://127.0.0.1:4999',
        natsPid: null,
        cliCredentials: { user: 'cli', password: 'from-stack' },
        supervisorPid,
        services: {},
        startedAt: new Date().toISOString(),
      }),
    );

  it('prefers NATS_URL and its login over stack.json', async () => {
    await writeStack(process.pid);
    const env = { NATS_URL: 'nats://elsewhere:4222', NATS_USER: 'me', NATS_PASSWORD: 'pw', NATS_CREDS: '' };
    expect(await resolveCliNats(env, home)).toEqual({
      url: 'nats://elsewhere:4222',
      user: 'me',
      password: 'pw',
      credentialsFile: undefined,
    });
  });

  it('uses the URL and cli login of a running local stack', async () => {
    await writeStack(process.pid);
    expect(await resolveCliNats({}, home)).toEqual({
      url: 'nats://127.0.0.1:4999',
      user: 'cli',
      password: 'from-stack',
    });
  });

  it('refuses a stack.json whose supervisor is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.once('exit', resolve));
    await writeStack(child.pid as number);
    await expect(resolveCliNats({}, home)).rejects.toThrow(/is not running.*ironcurtain up/);
  });

  it('says how to get a stack when there is none', async () => {
    await expect(resolveCliNats({}, home)).rejects.toThrow(
      /no IronCurtain stack.*`ironcurtain up`.*NATS_URL/,
    );
  });
});

describe('environmentWithNatsOptions (--nats, --nats-nkey)', () => {
  const cwd = '/srv/compose';
  const deployedSeed = '/srv/compose/.deploy/secrets/cli.nk';
  const exists = (present: readonly string[]) => (path: string) => present.includes(path);

  it('changes nothing without the options', () => {
    const env = { NATS_URL: 'nats://a:4222' };
    expect(environmentWithNatsOptions(env, {}, cwd, exists([deployedSeed]))).toBe(env);
  });

  it('sets NATS_URL and logs in with ./.deploy/secrets/cli.nk when it exists and nothing else is set', () => {
    expect(
      environmentWithNatsOptions(
        { HOME: '/h' },
        { nats: 'nats://127.0.0.1:4222' },
        cwd,
        exists([deployedSeed]),
      ),
    ).toEqual({
      HOME: '/h',
      NATS_URL: 'nats://127.0.0.1:4222',
      NATS_NKEY_SEED_FILE: deployedSeed,
    });
    expect(environmentWithNatsOptions({}, { nats: 'nats://127.0.0.1:4222' }, cwd, exists([]))).toEqual({
      NATS_URL: 'nats://127.0.0.1:4222',
    });
  });

  it('keeps a login the environment gives over the default seed', () => {
    const env = { NATS_USER: 'me', NATS_PASSWORD: 'pw' };
    expect(environmentWithNatsOptions(env, { nats: 'nats://x:4222' }, cwd, exists([deployedSeed]))).toEqual({
      ...env,
      NATS_URL: 'nats://x:4222',
    });
  });

  it('makes --nats-nkey the only login, resolved against the current folder', () => {
    const env = { NATS_URL: 'nats://env:4222', NATS_USER: 'me', NATS_PASSWORD: 'pw', NATS_CREDS: '/c.creds' };
    expect(environmentWithNatsOptions(env, { natsNkey: 'keys/cli.nk' }, cwd, exists([]))).toEqual({
      NATS_URL: 'nats://env:4222',
      NATS_NKEY_SEED_FILE: '/srv/compose/keys/cli.nk',
    });
  });

  it('refuses --nats-nkey without a server to use it on', () => {
    expect(() => environmentWithNatsOptions({}, { natsNkey: 'cli.nk' }, cwd, exists([]))).toThrow(
      /--nats-nkey needs --nats <url> \(or NATS_URL\)/,
    );
  });

  it('passes the seed file on to the connection settings', async () => {
    const env = environmentWithNatsOptions(
      {},
      { nats: 'nats://x:4222', natsNkey: '/k/cli.nk' },
      cwd,
      exists([]),
    );
    expect(await resolveCliNats(env, '/nonexistent-home')).toMatchObject({
      url: 'nats://x:4222',
      nkeySeedFile: '/k/cli.nk',
    });
  });
});
