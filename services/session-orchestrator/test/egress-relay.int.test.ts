// The agent's LLM traffic leaves the container only through /run/ironcurtain/egress.sock, which the orchestrator
// relays byte for byte to mitm-egress over TCP. Here a real TCP server stands in for the egress and plain Node
// sockets stand in for the container's socat forwarder: what goes in one end must come out of the other unchanged.
import { randomBytes } from 'node:crypto';
import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@ironcurtain/testing';
import { startEgressRelay, type EgressRelay } from '../src/domain/container/egress-relay.js';
import { createSocketFolder } from '../src/domain/container/socket-folder.js';

let folder: string;
let egress: HttpServer;
let relay: EgressRelay;
let socketPath: string;
const errors: string[] = [];

/** Sends `request` on a new connection to the socket, half-closes, and reads everything until the other end closes. */
function exchange(path: string, request: Buffer | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', () => resolve(Buffer.concat(chunks)));
    socket.end(request);
  });
}

/** The reply of a connection the relay cuts: nothing, whether or not the cut came while it was still writing (EPIPE). */
function exchangeOrNothing(path: string, request: string): Promise<Buffer> {
  return exchange(path, request).catch(() => Buffer.alloc(0));
}

function listen<T extends Server | HttpServer>(server: T): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'egress-relay-'));
  socketPath = (await createSocketFolder(join(folder, 'run'))).egressSocketPath;
  egress = createHttpServer((request, response) => {
    const body: Buffer[] = [];
    request.on('data', (chunk: Buffer) => body.push(chunk));
    request.on('end', () => {
      response.setHeader('connection', 'close');
      response.end(
        `${request.method} ${request.url} proxy-authorization=${request.headers['proxy-authorization']} body=${Buffer.concat(body).length}`,
      );
    });
  });
  const port = await listen(egress);
  relay = await startEgressRelay({
    socketPath,
    target: { host: '127.0.0.1', port },
    onError: (error, what) => errors.push(`${what}: ${String(error)}`),
  });
});

afterAll(async () => {
  await relay.close();
  egress.closeAllConnections();
  await new Promise((resolve) => egress.close(resolve));
  await rm(folder, { recursive: true, force: true });
});

describe('the egress relay', () => {
  it('is a socket only its owner can open', async () => {
    const stats = await lstat(socketPath);
    expect(stats.isSocket()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o600);
  });

  it('carries an HTTP request to the egress and its reply back', async () => {
    const reply = await exchange(
      socketPath,
      'POST http://api.anthropic.com/v1/messages HTTP/1.1\r\nhost: api.anthropic.com\r\n' +
        'proxy-authorization: Basic c2Vzc2lvbjp0b2tlbg==\r\ncontent-length: 5\r\n\r\nhello',
    );
    const text = reply.toString('utf8');
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toMatch(
      /POST http:\/\/api\.anthropic\.com\/v1\/messages proxy-authorization=Basic c2Vzc2lvbjp0b2tlbg== body=5$/,
    );
  });

  it('relays arbitrary bytes unchanged, both ways, on many connections at once', async () => {
    const echo = createServer((socket) => socket.pipe(socket));
    const echoPort = await listen(echo);
    const echoSocket = join(folder, 'run', 'echo.sock');
    const echoRelay = await startEgressRelay({
      socketPath: echoSocket,
      target: { host: '127.0.0.1', port: echoPort },
    });
    const payloads = Array.from({ length: 40 }, (_, index) => randomBytes(1024 * (index + 1) * 16));
    const replies = await Promise.all(payloads.map((payload) => exchange(echoSocket, payload)));
    replies.forEach((reply, index) => expect(reply.equals(payloads[index] as Buffer)).toBe(true));
    await eventually('the relayed connections to end', () => echoRelay.connectionCount() === 0);
    await echoRelay.close();
    await new Promise((resolve) => echo.close(resolve));
  });

  it('closes the agent side when the egress cannot be reached, and keeps serving', async () => {
    const refusing = createServer();
    const deadPort = await listen(refusing);
    await new Promise((resolve) => refusing.close(resolve));
    const deadSocket = join(folder, 'run', 'dead.sock');
    const deadRelay = await startEgressRelay({
      socketPath: deadSocket,
      target: { host: '127.0.0.1', port: deadPort },
      onError: (error, what) => errors.push(`${what}: ${String(error)}`),
    });
    expect(await exchangeOrNothing(deadSocket, 'GET / HTTP/1.1\r\n\r\n')).toEqual(Buffer.alloc(0));
    expect(errors).toContainEqual(
      expect.stringMatching(new RegExp(`relay to the egress at 127.0.0.1:${deadPort}: .*ECONNREFUSED`)),
    );
    expect(await exchangeOrNothing(deadSocket, 'GET / HTTP/1.1\r\n\r\n')).toEqual(Buffer.alloc(0));
    await deadRelay.close();
  });

  it('refuses connections beyond its limit and says so', async () => {
    const limitedSocket = join(folder, 'run', 'limited.sock');
    const limited = await startEgressRelay({
      socketPath: limitedSocket,
      target: { host: '127.0.0.1', port: (egress.address() as AddressInfo).port },
      maximumConnections: 1,
      onError: (error, what) => errors.push(`${what}: ${String(error)}`),
    });
    const holder = connect(limitedSocket);
    await eventually('the first connection', () => limited.connectionCount() === 1);
    expect(await exchangeOrNothing(limitedSocket, 'GET / HTTP/1.1\r\n\r\n')).toEqual(Buffer.alloc(0));
    expect(errors).toContain(
      'accept an egress connection: AppError: an agent connection to the egress was refused: 1 are open already',
    );
    holder.destroy();
    await limited.close();
  });

  it('on close cuts open connections and removes its socket file', async () => {
    const silent = createServer(() => undefined);
    const silentPort = await listen(silent);
    const closingSocket = join(folder, 'run', 'closing.sock');
    const closing = await startEgressRelay({
      socketPath: closingSocket,
      target: { host: '127.0.0.1', port: silentPort },
    });
    const agent: Socket = connect(closingSocket);
    agent.on('error', () => undefined);
    const agentClosed = new Promise<void>((resolve) => agent.once('close', () => resolve()));
    agent.write('CONNECT api.openai.com:443 HTTP/1.1\r\n\r\n');
    await eventually('the relayed connection', () => closing.connectionCount() === 1);
    await closing.close();
    await agentClosed;
    await expect(lstat(closingSocket)).rejects.toMatchObject({ code: 'ENOENT' });
    silent.close();
  });
});
