// What no real MCP client sends, on the session's mcp.sock: garbage, overlong lines, arguments nested to exhaust
// the stack, endless tool names, more connections than allowed. Each is answered or cut off on its own connection;
// the server goes on serving everyone else.
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@ironcurtain/testing';
import { startMcpSocketServer } from '../src/domain/container/mcp-socket-server.js';
import { catalog, rawConnection, startMcpWorld, type McpWorld } from './mcp-socket-world.js';

let world: McpWorld;

beforeAll(async () => {
  world = await startMcpWorld();
});

afterAll(async () => {
  await world.stop();
});

describe('hostile input on the MCP socket', () => {
  it('answers lines that are not JSON-RPC with an error and keeps the connection', async () => {
    const raw = rawConnection(world.socketPath);
    raw.socket.write('this is not json\n{"jsonrpc":"2.0","method":7}\n\n');
    await eventually('two parse errors', () => raw.lines.length >= 2);
    for (const line of raw.lines.slice(0, 2)) {
      expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
    }
    raw.socket.write('{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n');
    await eventually('the tool list', () => raw.lines.find((line) => line.includes('"id":1')));
    expect(JSON.parse(raw.lines.at(-1) ?? '{}').result.tools).toHaveLength(4);
    raw.socket.destroy();
  });

  it('refuses arguments nested too deep and names of any length with a tool error', async () => {
    const raw = rawConnection(world.socketPath);
    const deep = `${'['.repeat(50_000)}"/workspace"${']'.repeat(50_000)}`;
    const call = (id: number, name: string, argumentsText: string) =>
      `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${name}","arguments":${argumentsText}}}\n`;
    raw.socket.write(call(1, 'filesystem__read_text_file', `{"path":${deep}}`));
    raw.socket.write(call(2, 'x'.repeat(100_000), '{}'));
    await eventually('two answers', () => raw.lines.length >= 2);
    const texts = raw.lines.map(
      (line) => (JSON.parse(line) as { result: { content: [{ text: string }] } }).result,
    );
    expect(texts[0]).toMatchObject({
      isError: true,
      content: [{ text: expect.stringMatching(/nested more than 100/) }],
    });
    expect(texts[1]?.content[0].text).toBe(
      `unknown tool "${'x'.repeat(200)}…": tools/list names the tools of this server`,
    );
    raw.socket.destroy();
  });

  it('closes the connection of a line over 8 MiB, and only that one', async () => {
    const bystander = await world.connectAgent();
    const raw = rawConnection(world.socketPath);
    raw.socket.write(
      `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":"${'a'.repeat(9 * 1024 * 1024)}`,
    );
    await raw.closed;
    expect(raw.lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      {
        jsonrpc: '2.0',
        error: { code: -32600, message: expect.stringMatching(/a line is over 8388608 bytes/) },
      },
    ]);
    expect(world.errors.map((entry) => entry.error)).toContain(
      'AppError: an MCP client sent a line over 8388608 bytes; its connection was closed',
    );
    expect((await bystander.client.listTools()).tools).toHaveLength(4);
    await bystander.transport.close();
  });

  it('refuses connections beyond its limit and serves again once one leaves', async () => {
    const limited = await startMcpSocketServer({
      socketPath: join(world.folder, 'run', 'limited.sock'),
      catalog,
      callTool: world.callTool,
      sandboxPath: world.sandbox,
      maximumConnections: 2,
      onError: (error, what) => world.errors.push({ error: String(error), what }),
    });
    const first = rawConnection(join(world.folder, 'run', 'limited.sock'));
    const second = rawConnection(join(world.folder, 'run', 'limited.sock'));
    await eventually('two connections', () => limited.connectionCount() === 2);
    const third = rawConnection(join(world.folder, 'run', 'limited.sock'));
    await third.closed;
    expect(world.errors.map((entry) => entry.error)).toContain(
      'AppError: an MCP client was refused: 2 connections are open already',
    );
    first.socket.destroy();
    await eventually('one connection', () => limited.connectionCount() === 1);
    const fourth = rawConnection(join(world.folder, 'run', 'limited.sock'));
    fourth.socket.write('{"jsonrpc":"2.0","id":5,"method":"tools/list"}\n');
    await eventually('an answer', () => fourth.lines.find((line) => line.includes('"id":5')));
    second.socket.destroy();
    fourth.socket.destroy();
    await limited.close();
  });

  it('on close ends every connection, aborts its calls and removes the socket file', async () => {
    const closing = await startMcpSocketServer({
      socketPath: join(world.folder, 'run', 'closing.sock'),
      catalog,
      callTool: world.callTool,
      sandboxPath: world.sandbox,
    });
    const raw = rawConnection(join(world.folder, 'run', 'closing.sock'));
    const before = world.calls.length;
    raw.socket.write(
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"filesystem__wait_forever","arguments":{}}}\n',
    );
    const waiting = await eventually('the call', () =>
      world.calls.slice(before).find((call) => call.toolName === 'wait_forever'),
    );
    await closing.close();
    await raw.closed;
    expect(waiting.signal.aborted).toBe(true);
    await expect(lstat(join(world.folder, 'run', 'closing.sock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
