// Issue 12, layers 2 and 3: from inside each shipped server's sandbox, what a compromised server can reach. The
// probe (fixtures/sandbox-probe.mjs) runs in the place of the server's command with everything else the gateway
// gives it — the shipped entry's sandbox, its environment, its network filter — and tries a loopback listener, the
// stack's NATS port, a LAN-like fake, declared and undeclared domains through its proxy, and writes to the host's
// home. Real bubblewrap, a real nats-server, a real domain proxy; names resolve to the fake through the proxy's
// resolver, and 127.0.0.2 is on the filter's address allow-list for this test only.
import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDomainProxy, type DomainProxy } from '@ironcurtain/domain-proxy';
import { shippedMcpConfigPath } from '@ironcurtain/default-policy';
import { declaredDomainsOf, McpConfig, type McpServerEntry } from '@ironcurtain/mcp-config';
import { probeSandbox } from '@ironcurtain/os-sandbox';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import {
  launchCommand,
  runtimeReadOnlyPaths,
  type Sandboxing,
} from '../src/domain/servers/launch-command.js';
import { resolveServerEntry } from '../src/domain/servers/server-entries.js';

const shipped = McpConfig.parse(JSON.parse(readFileSync(shippedMcpConfigPath, 'utf8')));
const probeScript = join(import.meta.dirname, 'fixtures', 'sandbox-probe.mjs');

let root: string;
let home: string;
let ironcurtainHome: string;
let sandbox: string;
let nats: NatsServerHandle;
let listener: Server;
let listenerPort = 0;
let forge: HttpServer;
let forgePort = 0;
let sandboxing: Sandboxing;
const listenerConnections: string[] = [];
const proxies: DomainProxy[] = [];

beforeAll(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'sandbox-probe-')));
  home = join(root, 'home');
  ironcurtainHome = join(home, '.ironcurtain');
  sandbox = join(ironcurtainHome, 'sessions', 'probe', 'sandbox');
  mkdirSync(sandbox, { recursive: true });
  mkdirSync(join(home, '.npm'));
  writeFileSync(join(home, '.npm', 'cache-entry'), 'cached\n');
  nats = await startNats();
  listener = createServer((socket) => {
    listenerConnections.push('connection');
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  listenerPort = (listener.address() as { port: number }).port;
  forge = createHttpServer((_request, response) => response.end('fake forge'));
  await new Promise<void>((resolve) => forge.listen(0, '127.0.0.2', resolve));
  forgePort = (forge.address() as { port: number }).port;
  const probe = await probeSandbox();
  if (!probe.isAvailable) throw new Error(`these tests need a working bubblewrap: ${probe.reason ?? ''}`);
  sandboxing = {
    policy: 'enforce',
    probe,
    allowUnsandboxed: [],
    ironcurtainHome,
    runtimeReadOnly: runtimeReadOnlyPaths(process.execPath, import.meta.dirname),
    nodePath: process.execPath,
  };
});

afterAll(async () => {
  for (const proxy of proxies) await proxy.close();
  await new Promise((resolve) => listener?.close(resolve));
  await new Promise((resolve) => forge?.close(resolve));
  await nats?.dispose();
  rmSync(root, { recursive: true, force: true });
});

interface ProbeResult {
  environment: string[];
  connections: string[];
  fetches: string[];
  writes: string[];
  reads: string[];
}

/** Runs the probe as `serverName` would run: its entry's sandbox and environment, its network filter if it declares domains. */
async function probeAs(
  serverName: string,
  spec: Record<string, unknown>,
  knownName: string,
): Promise<ProbeResult> {
  const entry = shipped[serverName] as McpServerEntry & { command: string };
  const placement = { sessionId: 'probe', sandboxDir: sandbox, homeDir: home };
  const resolved = resolveServerEntry(serverName, entry, placement, {
    nodePath: process.execPath,
    searchFrom: import.meta.dirname,
    fetchServerPath: join(root, 'fetch-server.js'),
    credentials: {},
  });
  const domains = declaredDomainsOf(entry);
  let socket: string | undefined;
  if (domains.length > 0) {
    const proxy = await createDomainProxy({
      socketPath: join(root, 'sockets', `${serverName}.sock`),
      allowedDomains: domains,
      allowedAddresses: ['127.0.0.2'],
      // The test's name leads to the fake; every other name is the machine's resolver's (localhost → loopback).
      lookup: async (hostname) =>
        hostname === knownName
          ? [{ address: '127.0.0.2', family: 4 }]
          : await lookup(hostname, { all: true, order: 'verbatim' }),
    });
    proxies.push(proxy);
    socket = proxy.socketPath;
  }
  const probe = { ...resolved, command: process.execPath, args: [probeScript, JSON.stringify(spec)] };
  const launch = launchCommand(serverName, probe, placement, sandboxing, socket);
  expect(launch.isSandboxed).toBe(true);
  // As the MCP SDK's stdio transport spawns a server: its default environment, then the launch's.
  const child = spawn(launch.command, launch.args, {
    cwd: launch.cwd,
    env: { ...getDefaultEnvironment(), ...launch.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`the probe exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as ProbeResult;
}

const hostWrites = () => [
  join(home, '.npm', 'planted'),
  join(home, 'planted'),
  join(ironcurtainHome, 'planted'),
];

function commonSpec(fetches: string[]) {
  return {
    connections: [
      { host: '127.0.0.1', port: listenerPort },
      { host: '127.0.0.1', port: nats.port },
      { host: '127.0.0.2', port: forgePort },
    ],
    fetches,
    writes: [...hostWrites(), join(sandbox, 'allowed.txt')],
    reads: [join(home, '.npm', 'cache-entry')],
  };
}

function expectConfined(result: ProbeResult): void {
  // No direct connection anywhere: not a loopback service, not NATS, not the "LAN" fake.
  expect(result.connections.filter((outcome) => outcome === 'connected')).toEqual([]);
  // Writes outside the grants land in the sandbox's throwaway root, never on the host; the host's home is not even
  // visible, and the session sandbox is the one place that is written for real.
  for (const path of hostWrites()) expect(existsSync(path), path).toBe(false);
  expect(result.reads).toEqual(['ENOENT']);
  expect(result.writes[3]).toBe('written');
  expect(readFileSync(join(sandbox, 'allowed.txt'), 'utf8')).toBe('written by a sandboxed server\n');
  expect(readFileSync(join(home, '.npm', 'cache-entry'), 'utf8')).toBe('cached\n');
  // Nothing of the gateway's environment that the MCP SDK copies survives, unless the server's own list sets it.
  for (const name of ['USER', 'LOGNAME', 'SHELL', 'TERM', 'NO_PROXY'])
    expect(result.environment).not.toContain(name);
}

describe('inside the shipped servers\u2019 sandboxes', () => {
  it('filesystem: no network at all and no proxy, no write outside the grants', async () => {
    const result = await probeAs(
      'filesystem',
      commonSpec([`http://example.org:${forgePort}/`]),
      'example.org',
    );
    expectConfined(result);
    expect(result.fetches).toEqual(['no-proxy']);
    expect(result.environment).toEqual(['HOME', 'PATH', 'PWD']);
  });

  it('git: only its declared domains, through the filter; nothing on loopback or undeclared', async () => {
    const result = await probeAs(
      'git',
      commonSpec([
        `http://github.com:${forgePort}/acme/tools.git`,
        `http://evil.example:${forgePort}/`,
        `http://127.0.0.1:${listenerPort}/`,
        `http://localhost:${nats.port}/`,
        `http://registry.npmjs.org:${forgePort}/`,
      ]),
      'github.com',
    );
    expectConfined(result);
    expect(result.fetches[0]).toBe('200 fake forge');
    for (const refused of result.fetches.slice(1)) expect(refused).toMatch(/^403 /);
    expect(result.environment).toEqual(
      expect.arrayContaining([
        'GIT_CONFIG_NOSYSTEM',
        'GIT_CONFIG_GLOBAL',
        'GIT_CEILING_DIRECTORIES',
        'HTTPS_PROXY',
      ]),
    );
  });

  it('fetch: any public name through the filter, never a loopback or private address', async () => {
    const result = await probeAs(
      'fetch',
      commonSpec([
        `http://example.org:${forgePort}/page`,
        `http://127.0.0.1:${listenerPort}/`,
        `http://localhost:${listenerPort}/`,
        `http://169.254.169.254/latest/meta-data/`,
        `http://10.0.0.1/`,
      ]),
      'example.org',
    );
    expectConfined(result);
    expect(result.fetches[0]).toBe('200 fake forge');
    for (const refused of result.fetches.slice(1)) expect(refused).toMatch(/^403 /);
  });

  it('nothing reached the loopback listener', () => {
    expect(listenerConnections).toEqual([]);
  });
});
