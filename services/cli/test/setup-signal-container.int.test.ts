// The signal-cli-rest-api container the CLI runs on a workstation, against the real Docker engine. The real image
// cannot be pulled here (no registry), so a long-running local image stands in (the nats stand-in of
// @ironcurtain/testing): what is checked is the container the CLI asks Docker for — json-rpc mode, the data folder
// (0700) bound in, the API on 127.0.0.1 only, restart unless-stopped — and what it does with one that exists:
// leave it, start it, replace it, or refuse one of another home. A missing image names the `docker pull`.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkEngine, createDockerEngine } from '@ironcurtain/docker-engine';
import { ensureStandInNatsImage } from '@ironcurtain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../src/domain/stack/local-stack.js';
import {
  ensureSignalContainer,
  inspectSignalContainer,
  signalContainerSpec,
  type SignalContainerSettings,
} from '../src/domain/signal/signal-container.js';

const engine = createDockerEngine(process.env['DOCKER_HOST']);
const name = `ironcurtain-signal-test-${process.pid}`;
const unreachable = await checkEngine(engine, 'the Signal container test');
if (unreachable !== undefined && process.env['CI'] === 'true')
  throw new Error(`Docker is needed: ${unreachable}`);

describe.skipIf(unreachable !== undefined)('the Signal container on the real engine', () => {
  let folder: string;
  let settings: SignalContainerSettings;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ironcurtain-signal-container-'));
    const image = (await ensureStandInNatsImage(engine)).tag;
    settings = {
      image,
      port: await freeLoopbackPort(),
      dataDirectory: join(folder, 'home', 'signal-data'),
      userIds: { uid: 1234, gid: 2345 },
      name,
    };
  }, 600_000);
  afterAll(async () => {
    await engine.client
      .getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
    await rm(folder, { recursive: true, force: true });
  });

  it('creates it as specified, then leaves a running one alone and starts a stopped one', async () => {
    expect(await ensureSignalContainer(engine, settings)).toBe('created');
    const created = await inspectSignalContainer(engine, name);
    expect(created?.State.Running).toBe(true);
    expect(created?.Config.Env).toEqual(
      expect.arrayContaining([
        'MODE=json-rpc',
        'JSON_RPC_TRUST_NEW_IDENTITIES=on-first-use',
        'SIGNAL_CLI_UID=1234',
        'SIGNAL_CLI_GID=2345',
      ]),
    );
    expect(created?.HostConfig.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(settings.port) }],
    });
    expect(created?.HostConfig.Binds).toEqual([`${settings.dataDirectory}:/home/.local/share/signal-cli`]);
    expect(created?.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    expect((await stat(settings.dataDirectory)).mode & 0o777).toBe(0o700);

    expect(await ensureSignalContainer(engine, settings)).toBe('running');
    await engine.client.getContainer(name).stop({ t: 1 });
    expect(await ensureSignalContainer(engine, settings)).toBe('started');
    const again = await inspectSignalContainer(engine, name);
    expect(again?.Id).toBe(created?.Id);
    expect(again?.State.Running).toBe(true);
  }, 60_000);

  it('replaces one made from other settings, and never touches one of another home', async () => {
    const before = await inspectSignalContainer(engine, name);
    const moved = { ...settings, port: await freeLoopbackPort() };
    expect(await ensureSignalContainer(engine, moved)).toBe('created');
    const replaced = await inspectSignalContainer(engine, name);
    expect(replaced?.Id).not.toBe(before?.Id);
    expect(replaced?.HostConfig.PortBindings?.['8080/tcp']).toEqual([
      { HostIp: '127.0.0.1', HostPort: String(moved.port) },
    ]);

    const otherHome = { ...moved, dataDirectory: join(folder, 'other-home', 'signal-data') };
    await expect(ensureSignalContainer(engine, otherHome)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(`another IRONCURTAIN_HOME (${moved.dataDirectory})`),
    });
    const untouched = await inspectSignalContainer(engine, name);
    expect(untouched?.Id).toBe(replaced?.Id);
    expect(untouched?.State.Running).toBe(true);
  }, 60_000);

  it('pulls nothing: an image that is not there is an error naming the `docker pull` to run', async () => {
    const image = 'ironcurtain-test/no-such-signal-image:0';
    await expect(
      ensureSignalContainer(engine, { ...settings, image, name: `${name}-missing` }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining(`run \`docker pull ${image}\``),
    });
    expect(await inspectSignalContainer(engine, `${name}-missing`)).toBeUndefined();
  });
});

describe('the Signal container spec', () => {
  it('never runs signal-cli as root: uid 0 keeps the image default user', () => {
    const spec = signalContainerSpec({
      image: 'bbernhard/signal-cli-rest-api:0.100',
      port: 8080,
      dataDirectory: '/home/me/.ironcurtain/signal-data',
      userIds: { uid: 0, gid: 0 },
    });
    expect(spec.name).toBe('ironcurtain-signal');
    expect(spec.Env).toEqual(['MODE=json-rpc', 'JSON_RPC_TRUST_NEW_IDENTITIES=on-first-use']);
  });
});
