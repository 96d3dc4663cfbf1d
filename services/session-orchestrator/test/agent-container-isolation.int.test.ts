// What an agent can reach from inside its session container, checked by running a probe in a container made exactly
// as a session's (agentContainerOptions, prepareAgentSessionFiles, the two sockets) on the real Docker engine, from
// the shipped base image built against the stand-in node:24-bookworm-slim. The agent user is 4321, not 1000.
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAgentImage } from '@ironcurtain/agent-images';
import { createDockerEngine, checkEngine, type DockerEngine } from '@ironcurtain/docker-engine';
import { ensureStandInNodeImage } from '@ironcurtain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentContainers } from '../src/adapters/agent-containers.js';
import { adapterOf } from '../src/domain/agents/agent-registry.js';
import { prepareAgentSessionFiles } from '../src/domain/container/agent-session-files.js';
import { agentContainerLabels, agentContainerOptions } from '../src/domain/container/container-spec.js';
import { startEgressRelay } from '../src/domain/container/egress-relay.js';
import { startMcpSocketServer } from '../src/domain/container/mcp-socket-server.js';
import { createSocketFolder, removeSocketFolder } from '../src/domain/container/socket-folder.js';
import { sessionPathsOf } from '../src/domain/session-files.js';

const agentUser = { uid: 4321, gid: 4321 };
const probeScript = String.raw`
const net = require('node:net');
const fs = require('node:fs');
const { execSync } = require('node:child_process');
const tryConnect = (host, port) => new Promise((resolve) => {
  const socket = net.connect({ host, port, timeout: 1500 });
  socket.once('connect', () => { socket.destroy(); resolve('connected'); });
  socket.once('timeout', () => { socket.destroy(); resolve('timeout'); });
  socket.once('error', (error) => resolve(error.code));
});
const canWrite = (path) => { try { fs.writeFileSync(path, 'x'); return true; } catch { return false; } };
(async () => {
  const targets = JSON.parse(process.env.PROBE_TARGETS);
  const connections = {};
  for (const [name, [host, port]] of Object.entries(targets)) connections[name] = await tryConnect(host, port);
  fs.writeFileSync('/workspace/written-by-agent.txt', 'hello');
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  console.log(JSON.stringify({
    connections,
    uid: process.getuid(), gid: process.getgid(),
    capabilities: /CapEff:\s*(\S+)/.exec(status)[1],
    noNewPrivileges: /NoNewPrivs:\s*(\S+)/.exec(status)[1],
    sockets: fs.readdirSync('/run/ironcurtain').sort(),
    interfaces: Object.keys(require('node:os').networkInterfaces()),
    writesRoot: canWrite('/usr/local/probe'),
    writesOrientation: canWrite('/etc/ironcurtain/probe'),
    writesSockets: canWrite('/run/ironcurtain/probe'),
    writesHome: canWrite('/home/agent/probe'),
    sees: ['/root/.ssh', '/var/run/docker.sock', process.env.PROBE_HOST_HOME].filter((path) => fs.existsSync(path)),
    mounts: fs.readFileSync('/proc/self/mountinfo', 'utf8'),
    marker: execSync('grep -rsl "' + process.env.PROBE_MARKER + '" /etc /home /run /tmp /workspace /root 2>/dev/null || true').toString(),
  }));
})();
`;

describe('inside an agent session container', () => {
  let engine: DockerEngine;
  let home: string;
  let image: string;
  let hostServer: Server;
  let hostPort: number;
  let neighbourId: string | undefined;
  const marker = `ironcurtain-secret-marker-${process.pid}`;

  beforeAll(async () => {
    engine = createDockerEngine(process.env['DOCKER_HOST']);
    const reason = await checkEngine(engine, 'the isolation test');
    if (reason !== undefined)
      throw new Error(`this test needs a Docker engine (scripts/setup starts one): ${reason}`);
    await ensureStandInNodeImage(engine);
    image = await ensureAgentImage(engine, 'claude-code');
    home = await mkdtemp(join(tmpdir(), 'agent-isolation-'));
    hostServer = createServer((socket) => socket.end('host says hi'));
    await new Promise<void>((resolve) => hostServer.listen(0, '0.0.0.0', resolve));
    hostPort = (hostServer.address() as { port: number }).port;
    // Secrets the agent must not see: a host ~/.ssh key, an audit trail, the egress CA key.
    for (const path of ['.ssh/id_ed25519', 'ca/ca.key.pem']) {
      await mkdir(join(home, path, '..'), { recursive: true });
      await writeFile(join(home, path), marker);
    }
    const neighbour = await engine.client.createContainer({
      Image: image,
      Entrypoint: ['node', '-e', "require('net').createServer((s) => s.end('hi')).listen(9999)"],
      Labels: { 'ironcurtain.test': 'isolation-neighbour' },
    });
    neighbourId = neighbour.id;
    await neighbour.start();
  }, 900_000);

  afterAll(async () => {
    if (neighbourId !== undefined) {
      await engine.client
        .getContainer(neighbourId)
        .remove({ force: true })
        .catch(() => undefined);
    }
    hostServer?.close();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it('has no network, no capabilities, a read-only root, only the two sockets, and writes files as 4321', async () => {
    const sessionId = '20261207-000000-abc123';
    const paths = sessionPathsOf(home, sessionId);
    await mkdir(paths.sandbox, { recursive: true, mode: 0o700 });
    await writeFile(join(paths.directory, 'audit.jsonl'), `${marker}\n`);
    const adapter = adapterOf('claude-code');
    const facts = { sessionId, sentinel: 'sk-ant-sentinel' };
    await prepareAgentSessionFiles({
      paths,
      adapter,
      facts,
      user: agentUser,
      caCertificatePem: 'not a secret',
    });
    await createSocketFolder(paths.sockets, agentUser);
    const mcp = await startMcpSocketServer({
      socketPath: join(paths.sockets, 'mcp.sock'),
      owner: agentUser,
      catalog: { servers: [] },
      callTool: async () => ({ ok: false, message: 'DENIED: test' }),
      sandboxPath: paths.sandbox,
    });
    const relay = await startEgressRelay({
      socketPath: join(paths.sockets, 'egress.sock'),
      owner: agentUser,
      target: { host: '127.0.0.1', port: hostPort },
    });
    const bridge = await engine.client.getNetwork('bridge').inspect();
    const neighbour = await engine.client.getContainer(neighbourId ?? '').inspect();
    const targets = {
      hostLoopback: ['127.0.0.1', hostPort],
      dockerBridgeGateway: [bridge.IPAM?.Config?.[0]?.Gateway ?? '172.17.0.1', hostPort],
      neighbourContainer: [neighbour.NetworkSettings.Networks['bridge']?.IPAddress ?? '', 9999],
    };
    try {
      const options = agentContainerOptions({
        sessionId,
        adapter,
        image,
        name: `ironcurtain-isolation-probe-${process.pid}`,
        command: ['node', '-e', probeScript],
        agentEnvironment: {
          PROBE_TARGETS: JSON.stringify(targets),
          PROBE_MARKER: marker,
          PROBE_HOST_HOME: home,
        },
        proxyToken: 'proxy-token',
        paths,
        user: agentUser,
        limits: { memoryMb: 512, cpus: 1, pids: 128 },
        hasTerminal: false,
      });
      const result = await createAgentContainers(engine, 'claude-code').run(
        options,
        new AbortController().signal,
      );
      expect(result.ending, result.stderr).toBe('exited');
      expect(result.exitCode, result.stderr).toBe(0);
      const probe = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}');
      for (const [name, outcome] of Object.entries(probe.connections as Record<string, string>)) {
        expect(outcome, name).not.toBe('connected');
      }
      expect(probe.interfaces).toEqual(['lo']);
      expect(probe).toMatchObject({
        uid: 4321,
        gid: 4321,
        capabilities: '0000000000000000',
        noNewPrivileges: '1',
      });
      expect(probe.sockets).toEqual(['egress.sock', 'mcp.sock']);
      expect(probe).toMatchObject({
        writesRoot: false,
        writesOrientation: false,
        writesSockets: false,
        writesHome: true,
      });
      expect(probe.sees).toEqual([]);
      expect(probe.marker).toBe('');
      // Every mount of a host folder under this test's home is one of the session's four folders.
      const hostFolders = (probe.mounts as string).split('\n').filter((line) => line.includes(home));
      const sessionFolders = [paths.sandbox, paths.orientation, paths.sockets, paths.agentState];
      expect(hostFolders).toHaveLength(4);
      for (const line of hostFolders) {
        expect(
          sessionFolders.some((folder) => line.split(' ')[3] === folder),
          line,
        ).toBe(true);
      }
      const written = await stat(join(paths.sandbox, 'written-by-agent.txt'));
      expect({ uid: written.uid, gid: written.gid }).toEqual(agentUser);
    } finally {
      await mcp.close();
      await relay.close();
      await removeSocketFolder(paths.sockets);
    }
    const left = await engine.client.listContainers({
      all: true,
      filters: { label: [`${agentContainerLabels.session}=${sessionId}`] },
    });
    expect(left).toEqual([]);
    expect(await readdir(paths.directory)).not.toContain('run');
  }, 120_000);
});
