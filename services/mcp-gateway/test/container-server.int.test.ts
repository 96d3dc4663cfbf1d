// Container servers against a real Docker engine: the GitHub-shaped entry (image, `stdio`, a token credential) runs
// the test image built from this machine's Node binary (docker-fixture.ts). Calls go through the real gateway
// (catalog, prepare, a signed execute), the real dockerode attach and the MCP SDK client.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish, request } from '@ironcurtain/bus';
import { createLogger } from '@ironcurtain/log';
import { McpgwCatalog, SessionStatusEvent } from '@ironcurtain/proto-schemas';
import { eventually } from '@ironcurtain/testing';
import { containersOf, dockerForTests, removeContainersOf, testServerImage } from './docker-fixture.js';
import { createWorld, textOf, type World } from './gateway-world.js';

const fakeToken = 'ghp_test_not_a_real_token_4f9c2e';
const docker = await dockerForTests();
const serverName = 'github-test';
const bridgedName = 'bridged-test';
let world: World;
const logLines: string[] = [];

if (docker.unavailableReason !== undefined) {
  describe('container servers', () => {
    it.skip(`need a Docker engine: ${docker.unavailableReason}`, () => undefined);
  });
} else {
  beforeAll(async () => {
    await removeContainersOf(docker.engine, serverName);
    await removeContainersOf(docker.engine, bridgedName);
    const image = await testServerImage(docker.engine);
    world = await createWorld({
      servers: {
        [serverName]: {
          description: 'a GitHub-shaped container server',
          container: { image, args: ['stdio'], memoryMb: 256, pidsLimit: 64 },
          credentials: ['GITHUB_PERSONAL_ACCESS_TOKEN'],
        },
        // The shipped github entry's network: Docker's bridge, with the hosts it talks to declared.
        [bridgedName]: {
          container: { image, args: ['stdio'], network: 'bridge' },
          sandbox: { network: { allowedDomains: ['api.github.com'] } },
        },
      },
      env: {
        MCPGW_CALL_TIMEOUT_MS: '20000',
        MCPGW_SERVER_CREDENTIALS: JSON.stringify({
          [serverName]: { GITHUB_PERSONAL_ACCESS_TOKEN: fakeToken },
        }),
        ...(process.env['DOCKER_HOST'] === undefined ? {} : { DOCKER_HOST: process.env['DOCKER_HOST'] }),
      },
      logger: createLogger({
        service: 'mcp-gateway',
        version: 'test',
        level: 'debug',
        destination: { write: (line: string) => void logLines.push(line) },
      }),
    });
  }, 120_000);
  afterAll(async () => {
    await world?.dispose();
    // The gateway stopping stops every container it started, and Docker removes them (which takes a moment: a
    // container stays listed as "removing" meanwhile).
    const leftOf = async () =>
      [
        ...(await containersOf(docker.engine, serverName)),
        ...(await containersOf(docker.engine, bridgedName)),
      ].map((info) => `${info.Id.slice(0, 12)} ${info.State}`);
    const left = await eventually(
      'the containers to be removed',
      async () => {
        const listed = await leftOf();
        return listed.length === 0 ? listed : undefined;
      },
      15_000,
    ).catch(() => leftOf());
    await removeContainersOf(docker.engine, serverName);
    await removeContainersOf(docker.engine, bridgedName);
    expect(left).toEqual([]);
  });

  describe('a container server', () => {
    it('is in the catalog with its tools, confined, and runs a call', async () => {
      const catalog = await request(world.client, McpgwCatalog, { serverName }, { timeoutMs: 20_000 });
      const [server] = catalog.servers;
      expect(server).toMatchObject({ name: serverName, status: 'up', sandboxed: true });
      expect(server?.tools.map((tool) => tool.name)).toEqual([
        'echo',
        'read_env',
        'describe_container',
        'slow',
      ]);
      await world.sandboxOf('c-echo');
      const result = await world.run('c-echo', serverName, 'echo', { text: 'through the container' });
      expect(textOf(result)).toBe('through the container');
      expect(result).toMatchObject({ isError: false, sandboxed: true });
    });

    it('runs with no network, no capabilities, no privilege gain, a read-only root, as nobody', async () => {
      await world.sandboxOf('c-confined');
      const seen = JSON.parse(textOf(await world.run('c-confined', serverName, 'describe_container', {})));
      expect(seen).toEqual({
        uid: 65534,
        gid: 65534,
        rootWritable: false,
        tmpWritable: true,
        capabilities: '0000000000000000',
        noNewPrivileges: '1',
        interfaces: ['lo'],
        argv: ['stdio'],
      });
      const [info] = await containersOf(docker.engine, serverName, 'c-confined');
      const inspected = await docker.engine.client.getContainer(info?.Id ?? 'missing').inspect();
      expect(inspected.HostConfig).toMatchObject({
        AutoRemove: true,
        NetworkMode: 'none',
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        ReadonlyRootfs: true,
        Memory: 256 * 1024 * 1024,
        PidsLimit: 64,
        Privileged: false,
      });
      expect(inspected.HostConfig.Binds ?? []).toEqual([]);
      expect(Object.keys(inspected.HostConfig.PortBindings ?? {})).toEqual([]);
      expect(inspected.Config).toMatchObject({ Tty: false, OpenStdin: true, StdinOnce: true });
    });

    it('joins the network its config names', async () => {
      await world.sandboxOf('c-bridge');
      const seen = JSON.parse(textOf(await world.run('c-bridge', bridgedName, 'describe_container', {})));
      expect(seen.interfaces).toEqual(['eth0', 'lo']);
      const [info] = await containersOf(docker.engine, bridgedName, 'c-bridge');
      expect(info?.HostConfig.NetworkMode).toBe('bridge');
    });

    it('gets the token in its environment only: masked in its log, in no gateway log line', async () => {
      await world.sandboxOf('c-token');
      const value = await world.run('c-token', serverName, 'read_env', {
        name: 'GITHUB_PERSONAL_ACCESS_TOKEN',
      });
      expect(textOf(value)).toBe(fakeToken);
      const [info] = await containersOf(docker.engine, serverName, 'c-token');
      const inspected = await docker.engine.client.getContainer(info?.Id ?? 'missing').inspect();
      expect(inspected.Config.Cmd).toEqual(['stdio']);
      const logFile = join(world.home, 'sessions', 'c-token', 'logs', `${serverName}.log`);
      const log = await eventually('the server log', () => {
        const text = readFileSync(logFile, 'utf8');
        return text.includes('test server up') ? text : undefined;
      });
      expect(log).toContain('token=[REDACTED]');
      expect(log).not.toContain(fakeToken);
      expect(logLines.some((line) => line.includes('MCP server status'))).toBe(true);
      expect(logLines.filter((line) => line.includes(fakeToken))).toEqual([]);
    });

    it('fails a call in flight when its container is killed, then comes back', async () => {
      await world.sandboxOf('c-kill');
      expect(textOf(await world.run('c-kill', serverName, 'echo', { text: 'before' }))).toBe('before');
      const [before] = await containersOf(docker.engine, serverName, 'c-kill');
      const logFile = join(world.home, 'sessions', 'c-kill', 'logs', `${serverName}.log`);
      // Its outcome is held at once: the rejection may come before the test awaits it.
      const inFlight = world.run('c-kill', serverName, 'slow', { ms: 60_000 }).then(
        () => undefined,
        (error: unknown) => error,
      );
      await eventually('the slow call to start', () =>
        readFileSync(logFile, 'utf8').includes('slow call started') ? true : undefined,
      );
      const killedAt = Date.now();
      await docker.engine.client.getContainer(before?.Id ?? 'missing').kill();
      expect(await inFlight).toMatchObject({
        code: 'SERVER_EXITED',
        message: expect.stringContaining('exited while the call ran'),
      });
      expect(Date.now() - killedAt).toBeLessThan(5000);
      const after = await eventually(
        'a new container',
        async () => {
          const running = await containersOf(docker.engine, serverName, 'c-kill');
          return running.find((info) => info.Id !== before?.Id && info.State === 'running');
        },
        20_000,
      );
      expect(after.Id).not.toBe(before?.Id);
      expect(textOf(await world.run('c-kill', serverName, 'echo', { text: 'after' }))).toBe('after');
      // --rm: the killed container is gone, not left stopped.
      await eventually('the killed container removed', async () => {
        const all = await containersOf(docker.engine, serverName, 'c-kill');
        return all.every((info) => info.Id !== before?.Id) ? true : undefined;
      });
    }, 60_000);

    it('is removed when its session ends', async () => {
      await world.sandboxOf('c-end');
      await world.run('c-end', serverName, 'echo', { text: 'x' });
      expect(await containersOf(docker.engine, serverName, 'c-end')).toHaveLength(1);
      publish(world.client, SessionStatusEvent, { sessionId: 'c-end', status: 'stopped' });
      await eventually('no container left', async () =>
        (await containersOf(docker.engine, serverName, 'c-end')).length === 0 ? true : undefined,
      );
    });
  });
}
