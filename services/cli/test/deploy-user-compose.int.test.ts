// `deploy user` against the nats container of a compose stack, on the real Docker engine: a container made as
// docker-compose.yml makes the nats service — the shipped deploy/nats/nats-server.conf, the written service users
// and people file bind-mounted as single files, compose's labels — and the command finds it by those labels, sends it
// SIGHUP through the Docker API, and the server reads the people file that was rewritten in place (a file renamed
// over a single-file bind mount would never reach the container). The real nats image cannot be pulled here: the
// stand-in of @ironcurtain/testing runs Debian's nats-server under its name.
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, serve } from '@ironcurtain/bus';
import { checkEngine, createDockerEngine } from '@ironcurtain/docker-engine';
import { SessionList, type Caller } from '@ironcurtain/proto-schemas';
import { ensureStandInNatsImage, eventually } from '@ironcurtain/testing';
import { freeLoopbackPort } from '../src/domain/stack/local-stack.js';
import { logIn, logInAsPerson, makeDeployment, type Deployment, type Login } from './deploy-user-fixture.js';
import { repositoryRoot } from './stack-process.js';

const engine = createDockerEngine(process.env['DOCKER_HOST']);
const unreachable = await checkEngine(engine, 'the deploy user compose test');
if (unreachable !== undefined && process.env['CI'] === 'true')
  throw new Error(`Docker is needed: ${unreachable}`);

const containerName = `ironcurtain-people-test-nats-${process.pid}`;

describe.skipIf(unreachable !== undefined)('deploy user with the nats container of a compose stack', () => {
  let deployment: Deployment;
  let url: string;
  const logins: Login[] = [];
  const seen: Caller[] = [];
  let alice: Login;
  let bob: Login;

  beforeAll(async () => {
    deployment = await makeDeployment();
    for (const name of ['alice', 'bob']) {
      const added = await deployment.run(['deploy', 'user', 'add', name, '--no-reload']);
      if (added.code !== 0) throw new Error(added.stderr);
    }
    const image = (await ensureStandInNatsImage(engine)).tag;
    const port = await freeLoopbackPort();
    url = `nats://127.0.0.1:${port}`;
    const deployFolder = join(deployment.directory, '.deploy');
    const container = await engine.client.createContainer({
      name: containerName,
      Image: image,
      Cmd: ['-c', '/etc/nats/nats-server.conf'],
      // What compose labels its containers with; the project's name is not the folder's, so the command must find
      // the container by the folder it was started from.
      Labels: {
        'com.docker.compose.project': `people-test-${process.pid}`,
        'com.docker.compose.service': 'nats',
        'com.docker.compose.project.working_dir': deployment.directory,
      },
      ExposedPorts: { '4222/tcp': {} },
      HostConfig: {
        Binds: [
          `${join(repositoryRoot, 'deploy', 'nats', 'nats-server.conf')}:/etc/nats/nats-server.conf:ro`,
          `${join(deployFolder, 'nats-server.conf')}:/etc/nats/users.conf:ro`,
          `${join(deployFolder, 'nats-people.conf')}:/etc/nats/people.conf:ro`,
        ],
        PortBindings: { '4222/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
      },
    });
    await container.start();
    await eventually(
      'the nats container to let bob in',
      async () => {
        const probe = await connectBus({
          url,
          name: 'ironcurtain-bob',
          nkeySeedFile: deployment.personSeedFile('bob'),
          connectTimeoutMs: 1000,
        }).catch(() => undefined);
        await probe?.close();
        return probe !== undefined;
      },
      30_000,
    );
    const orchestrator = await logIn(
      url,
      deployment.serviceSeedFile('session-orchestrator'),
      'session-orchestrator',
    );
    logins.push(orchestrator);
    await serve(orchestrator.bus, SessionList, (_request, context) => {
      if (context.caller !== undefined) seen.push(context.caller);
      return { sessions: [] };
    });
    alice = await logInAsPerson(url, deployment, { name: 'alice', role: 'member' });
    bob = await logInAsPerson(url, deployment, { name: 'bob', role: 'member' });
    logins.push(alice, bob);
  }, 600_000);
  afterAll(async () => {
    await Promise.all(logins.map((login) => login.bus.close()));
    await engine.client
      .getContainer(containerName)
      .remove({ force: true })
      .catch(() => undefined);
    if (deployment !== undefined) {
      await rm(deployment.directory, { recursive: true, force: true });
      await rm(deployment.home, { recursive: true, force: true });
    }
  });

  it('lets the people in with the shipped config, each asking in their own name', async () => {
    expect(await request(alice.bus, SessionList, {})).toEqual({ sessions: [] });
    expect(await request(bob.bus, SessionList, {})).toEqual({ sessions: [] });
    expect(seen).toEqual([
      { name: 'alice', role: 'member' },
      { name: 'bob', role: 'member' },
    ]);
  });

  it('revoke finds the container by its compose labels and reloads it: alice is out, bob stays', async () => {
    const revoked = await deployment.run(['deploy', 'user', 'revoke', 'alice']);
    expect(revoked.stderr).toBe('');
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`reloaded nats-server: sent SIGHUP to container ${containerName}`);
    await eventually(
      'alice to be disconnected',
      () => alice.disconnects > 0 || alice.bus.connection.isClosed(),
    );
    await expect(request(alice.bus, SessionList, {}, { timeoutMs: 1500 })).rejects.toBeDefined();
    expect(await request(bob.bus, SessionList, {})).toEqual({ sessions: [] });
    expect(bob.disconnects).toBe(0);
  }, 30_000);

  it('add reloads it too: the new person logs in without a restart', async () => {
    const added = await deployment.run(['deploy', 'user', 'add', 'dave', '--role', 'approver']);
    expect(added.stderr).toBe('');
    expect(added.stdout).toContain(`reloaded nats-server: sent SIGHUP to container ${containerName}`);
    const dave = await logInAsPerson(url, deployment, { name: 'dave', role: 'approver' });
    logins.push(dave);
    expect(await request(dave.bus, SessionList, {})).toEqual({ sessions: [] });
    expect(seen.at(-1)).toEqual({ name: 'dave', role: 'approver' });
  }, 30_000);

  it('says so, and reloads nothing, when no nats container of the project runs', async () => {
    const result = await deployment.run([
      'deploy',
      'user',
      'add',
      'erin',
      '--compose-project',
      'no-such-project',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/no nats container of compose project "no-such-project" is running/);
  });
});
