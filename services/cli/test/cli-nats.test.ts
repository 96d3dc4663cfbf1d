import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveCliNats } from '../src/domain/cli-nats.js';

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
