// The bridge program on its own, outside bubblewrap (it is a plain Node program): it listens, pipes to the proxy
// socket, runs the command with inherited stdio, forwards signals, and refuses to start the command without its
// listener. Inside bubblewrap it is exercised by sandbox-network.test.ts and sandbox-mcp-server.test.ts.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkBridgeScriptPath } from '@ironcurtain/os-sandbox';
import { runProcess } from './sandbox-fixture.js';

describe('the network bridge', () => {
  let directory: string;
  let proxySocket: string;
  let proxy: Server;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'network-bridge-'));
    proxySocket = join(directory, 'proxy.sock');
    // Stands in for the domain proxy: answers every connection with what it received, upper-cased.
    proxy = createServer((socket) => socket.on('data', (chunk) => socket.end(String(chunk).toUpperCase())));
    await new Promise<void>((resolve) => proxy.listen(proxySocket, resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => proxy.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });

  const bridge = (port: number | string, command: string[]) => [
    networkBridgeScriptPath,
    proxySocket,
    String(port),
    '--',
    ...command,
  ];

  it('pipes a connection to its port into the proxy socket while the command runs', async () => {
    const port = await freePort();
    const client = `const socket = require('node:net').connect(${port}, '127.0.0.1');
socket.on('data', (data) => process.stdout.write(String(data)));
socket.write('ping');`;
    const result = await runProcess(process.execPath, bridge(port, [process.execPath, '-e', client]), {});
    expect(result).toMatchObject({ code: 0, stdout: 'PING', stderr: '' });
  });

  it('passes stdin and stdout through, and exits with the command status', async () => {
    const echo =
      "process.stdin.pipe(process.stdout); process.stdin.on('end', () => { process.exitCode = 9; });";
    const result = await runProcess(
      process.execPath,
      bridge(await freePort(), [process.execPath, '-e', echo]),
      {},
      '{"jsonrpc":"2.0"}\n',
    );
    expect(result).toMatchObject({ code: 9, stdout: '{"jsonrpc":"2.0"}\n', stderr: '' });
  });

  it('forwards SIGTERM to the command and exits as it does', async () => {
    const script = `process.on('SIGTERM', () => { console.log('terminated'); process.exit(3); });
console.log('ready'); setInterval(() => undefined, 1000);`;
    const child = spawn(process.execPath, bridge(await freePort(), [process.execPath, '-e', script]), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout === 'ready\n') child.kill('SIGTERM');
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect({ code, stdout }).toEqual({ code: 3, stdout: 'ready\nterminated\n' });
  });

  it('dies of the signal that killed the command', async () => {
    const child = spawn(
      process.execPath,
      bridge(await freePort(), [process.execPath, '-e', "process.kill(process.pid, 'SIGKILL')"]),
      { stdio: 'ignore' },
    );
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    expect(code === 137 || signal === 'SIGKILL').toBe(true);
  });

  it('never starts the command when it cannot listen or has no proxy socket', async () => {
    const marker = join(directory, 'started');
    const command = [
      process.execPath,
      '-e',
      `require('node:fs').writeFileSync(${JSON.stringify(marker)}, '')`,
    ];
    const occupied = createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    const address = occupied.address();
    const busyPort = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const busy = await runProcess(process.execPath, bridge(busyPort, command), {});
      expect(busy.code).toBe(125);
      expect(busy.stderr).toMatch(
        new RegExp(`^ironcurtain network bridge: cannot listen on 127\\.0\\.0\\.1:${busyPort} .*\\n$`),
      );
      const noSocket = await runProcess(
        process.execPath,
        [
          networkBridgeScriptPath,
          join(directory, 'missing.sock'),
          String(await freePort()),
          '--',
          ...command,
        ],
        {},
      );
      expect(noSocket.code).toBe(125);
      expect(noSocket.stderr).toMatch(
        /^ironcurtain network bridge: the domain proxy socket .*missing\.sock is missing.*\n$/,
      );
      const usage = await runProcess(process.execPath, bridge('not-a-port', command), {});
      expect(usage.code).toBe(125);
      expect(existsSync(marker)).toBe(false);
    } finally {
      await new Promise((resolve) => occupied.close(resolve));
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 0;
}
