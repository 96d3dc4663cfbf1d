import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDomainProxy } from '@ironcurtain/domain-proxy';
import { errorCodeOf } from '@ironcurtain/errors';
import { exchangeRaw, sendConnect, startFakeEcho, startProxy, type ProxyUnderTest } from './proxy-fixture.js';

let proxy: ProxyUnderTest | undefined;
afterEach(async () => {
  await proxy?.remove();
  proxy = undefined;
});

describe('malformed requests', () => {
  it('answers 400 to what is not a proxy request, and 431 to oversized headers', async () => {
    proxy = await startProxy({ allowedDomains: ['*'], addresses: {} });
    const { socketPath } = proxy.proxy;
    const badRequests = [
      'CONNECT example.test HTTP/1.1\r\nHost: example.test\r\n\r\n',
      'CONNECT user@example.test:443 HTTP/1.1\r\nHost: x\r\n\r\n',
      'CONNECT a..example.test:443 HTTP/1.1\r\nHost: x\r\n\r\n',
      'CONNECT example.test:0 HTTP/1.1\r\nHost: x\r\n\r\n',
      'CONNECT example.test:70000 HTTP/1.1\r\nHost: x\r\n\r\n',
      'CONNECT ::1:443 HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /index.html HTTP/1.1\r\nHost: example.test\r\n\r\n',
      'GET https://example.test/ HTTP/1.1\r\nHost: example.test\r\n\r\n',
      'GET ftp://example.test/ HTTP/1.1\r\nHost: example.test\r\n\r\n',
      'GET http://user:pw@example.test/ HTTP/1.1\r\nHost: example.test\r\n\r\n',
      'NOT HTTP AT ALL\r\n\r\n',
    ];
    for (const request of badRequests) {
      const answer = await exchangeRaw(socketPath, request);
      expect(answer, JSON.stringify(request)).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('IronCurtain network filter:');
    }
    const oversized = `CONNECT example.test:443 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    expect(await exchangeRaw(socketPath, oversized)).toMatch(/^HTTP\/1\.1 431 /);
    expect(proxy.lookups).toEqual([]);
  });

  it('refuses a malformed configuration with CONFIG_INVALID', async () => {
    const socketPath = join(tmpdir(), `domain-proxy-unused-${process.pid}.sock`);
    for (const allowedDomains of [
      ['https://github.com'],
      ['*.*.github.com'],
      ['git*hub.com'],
      ['*.127.0.0.1'],
    ]) {
      const attempt = createDomainProxy({ socketPath, allowedDomains });
      expect(errorCodeOf(await attempt.catch((error: unknown) => error)), allowedDomains[0]).toBe(
        'CONFIG_INVALID',
      );
    }
    for (const allowedAddresses of [['169.254.169.254'], ['::ffff:169.254.169.254'], ['not-an-address']]) {
      const attempt = createDomainProxy({ socketPath, allowedDomains: ['*'], allowedAddresses });
      expect(errorCodeOf(await attempt.catch((error: unknown) => error))).toBe('CONFIG_INVALID');
    }
    expect(existsSync(socketPath)).toBe(false);
  });
});

describe('bounded and resilient', () => {
  it('answers 504 when resolving takes longer than the connect timeout, and keeps serving', async () => {
    proxy = await startProxy({
      allowedDomains: ['*'],
      connectTimeoutMs: 200,
      lookup: (hostname) =>
        hostname === 'slow.example.test' ? new Promise(() => undefined) : Promise.resolve([]),
    });
    const started = Date.now();
    const slow = await sendConnect(proxy.proxy.socketPath, 'slow.example.test:443');
    expect(slow.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(5_000);
    const empty = await sendConnect(proxy.proxy.socketPath, 'empty.example.test:443');
    expect(empty.status).toBe(502);
    expect(empty.text).toContain('resolved to no address');
  });

  it('answers 502 when the destination refuses the connection, and keeps serving', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise((resolve) => closed.close(resolve));
    proxy = await startProxy({
      allowedDomains: ['down.example.test'],
      allowedAddresses: ['127.0.0.1'],
      addresses: { 'down.example.test': ['127.0.0.1'] },
    });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const answer = await sendConnect(proxy.proxy.socketPath, `down.example.test:${port}`);
      expect(answer.status).toBe(502);
      expect(answer.text).toContain('ECONNREFUSED');
    }
  });
});

describe('the socket and close()', () => {
  it('listens on a 0600 socket in a 0700 directory, replacing a stale socket but never another file', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'domain-proxy-socket-'));
    try {
      const socketPath = join(directory, 'private', 'proxy.sock');
      // A killed process leaves its socket file behind.
      const crash = `require('node:fs').mkdirSync(require('node:path').dirname(process.argv[1]), { recursive: true });
require('node:net').createServer().listen(process.argv[1], () => process.kill(process.pid, 'SIGKILL'));`;
      spawnSync(process.execPath, ['-e', crash, socketPath]);
      expect((await lstat(socketPath)).isSocket()).toBe(true);
      const replacing = await createDomainProxy({ socketPath, allowedDomains: ['*'] });
      expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
      await replacing.close();
      const fresh = join(directory, 'fresh', 'proxy.sock');
      const created = await createDomainProxy({ socketPath: fresh, allowedDomains: ['*'] });
      expect((await stat(join(directory, 'fresh'))).mode & 0o777).toBe(0o700);
      await created.close();
      const notSocket = join(directory, 'keep');
      await writeFile(notSocket, '');
      const attempt = createDomainProxy({ socketPath: notSocket, allowedDomains: ['*'] });
      expect(errorCodeOf(await attempt.catch((error: unknown) => error))).toBe('CONFIG_INVALID');
      expect(existsSync(notSocket)).toBe(true);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('ends open tunnels on close and removes the socket', async () => {
    const echo = await startFakeEcho();
    try {
      proxy = await startProxy({
        allowedDomains: ['echo.example.test'],
        allowedAddresses: ['127.0.0.1'],
        addresses: { 'echo.example.test': ['127.0.0.1'] },
      });
      const { socketPath } = proxy.proxy;
      const answer = await sendConnect(socketPath, `echo.example.test:${echo.port}`);
      expect(answer.status).toBe(200);
      expect(await roundTrip(answer.socket, 'ping')).toBe('ping');
      expect(echo.openSockets.size).toBe(1);
      const clientClosed = new Promise<void>((resolve) => answer.socket.on('close', () => resolve()));
      await proxy.proxy.close();
      await clientClosed;
      for (let waited = 0; echo.openSockets.size > 0 && waited < 5_000; waited += 20) await sleep(20);
      expect(echo.openSockets.size).toBe(0);
      expect(existsSync(socketPath)).toBe(false);
      const refused = await new Promise<string>((resolve) =>
        connect(socketPath).on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? '')),
      );
      expect(refused).toBe('ENOENT');
    } finally {
      await echo.close();
    }
  });
});

function roundTrip(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.setEncoding('utf8');
    socket.once('data', (chunk: string) => resolve(chunk));
    socket.write(text);
  });
}
