import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, pingServices, serviceOf } from '@ironcurtain/bus';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { loadBaseConfig, runMain, type ProcessLike } from '@ironcurtain/runtime';

let nats: NatsServerHandle;
beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  await nats.dispose();
});

function fakeProcess(
  env: Record<string, string>,
): ProcessLike & { emitter: EventEmitter; stdin: PassThrough } {
  const emitter = new EventEmitter();
  const stdin = new PassThrough();
  return {
    emitter,
    env,
    stdin,
    exitCode: undefined,
    once: (signal, listener) => emitter.once(signal, listener),
  };
}

const definition = (events: string[]) => ({
  name: 'probe-service',
  description: 'a service for runtime tests',
  entryUrl: new URL('../dist/index.js', import.meta.url).href,
  loadConfig: loadBaseConfig,
  createService: ({ bus }: { bus: Parameters<typeof serviceOf>[0] }) => ({
    start: async () => {
      events.push('start');
      await serviceOf(bus);
    },
    stop: async () => {
      events.push('stop');
    },
  }),
});

describe('runMain', () => {
  it('starts, registers for discovery, and drains on SIGTERM', async () => {
    const events: string[] = [];
    const host = fakeProcess({ NATS_URL: nats.url, LOG_LEVEL: 'silent' });
    await runMain(definition(events), host);
    const observer = await connectBus({ url: nats.url, name: 'observer' });
    expect((await pingServices(observer, 'probe-service', 300)).map((answer) => answer.name)).toEqual([
      'probe-service',
    ]);
    host.emitter.emit('SIGTERM');
    await eventually('exit code 0', () => host.exitCode === 0);
    expect(events).toEqual(['start', 'stop']);
    expect(await pingServices(observer, 'probe-service', 300)).toEqual([]);
    await observer.close();
  });

  it('stops when a supervisor closes its stdin', async () => {
    const events: string[] = [];
    const host = fakeProcess({ NATS_URL: nats.url, LOG_LEVEL: 'silent', IRONCURTAIN_SUPERVISED: '1' });
    await runMain(definition(events), host);
    host.stdin.end();
    await eventually('exit code 0', () => host.exitCode === 0);
    expect(events).toEqual(['start', 'stop']);
  });

  it('refuses a bad environment before connecting, naming the variable', async () => {
    const host = fakeProcess({ NATS_URL: nats.url, LOG_LEVEL: 'shouty' });
    await expect(runMain(definition([]), host)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('LOG_LEVEL'),
    });
  });
});

describe('runMain as a real supervised process', () => {
  it('exits on SIGTERM even while its supervisor keeps stdin open', async () => {
    const { spawn } = await import('node:child_process');
    const entry = new URL('../../../services/audit-writer/dist/index.js', import.meta.url);
    const child = spawn(process.execPath, [entry.pathname], {
      env: { ...process.env, NATS_URL: nats.url, LOG_LEVEL: 'info', IRONCURTAIN_SUPERVISED: '1' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually('the service to start', () => output.includes('"started"'));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 3000));
    const result = await Promise.race([exited, timeout]);
    if (result === 'still running') child.kill('SIGKILL');
    expect(result).toBe(0);
  });
});

describe('runMain with an nkey login', () => {
  it('connects as the service with NATS_NKEY_SEED_FILE, and refuses to start with a seed the server does not know', async () => {
    const { createUser } = await import('@nats-io/nkeys');
    const { chmod, mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const known = createUser();
    const observerKey = createUser();
    const users = [known, observerKey].map((pair) => `{ nkey: ${JSON.stringify(pair.getPublicKey())} }`);
    const server = await startNats({ config: `authorization { users = [ ${users.join(', ')} ] }` });
    const folder = await mkdtemp(join(tmpdir(), 'ironcurtain-runtime-nkey-'));
    const seedFile = async (name: string, seed: Uint8Array) => {
      const file = join(folder, name);
      await writeFile(file, seed);
      await chmod(file, 0o600);
      return file;
    };
    try {
      const host = fakeProcess({
        NATS_URL: server.url,
        LOG_LEVEL: 'silent',
        NATS_NKEY_SEED_FILE: await seedFile('service.nk', known.getSeed()),
      });
      const running = await runMain(definition([]), host);
      const observer = await connectBus({
        url: server.url,
        name: 'observer',
        nkeySeedFile: await seedFile('observer.nk', observerKey.getSeed()),
      });
      expect((await pingServices(observer, 'probe-service', 300)).map((answer) => answer.name)).toEqual([
        'probe-service',
      ]);
      await observer.close();
      await running.stop();

      const stranger = fakeProcess({
        NATS_URL: server.url,
        LOG_LEVEL: 'silent',
        NATS_NKEY_SEED_FILE: await seedFile('stranger.nk', createUser().getSeed()),
      });
      await expect(runMain(definition([]), stranger)).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('the server refused the nkey'),
      });
    } finally {
      await server.dispose();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
