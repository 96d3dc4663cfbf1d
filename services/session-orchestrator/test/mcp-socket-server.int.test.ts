// The agent in a container reaches IronCurtain's tools through `socat STDIO UNIX-CONNECT:/run/ironcurtain/mcp.sock`.
// These tests connect exactly so: the real MCP SDK client spawns a real socat that connects to the real unix socket.
// They check what the agent sees: tool names, denials as tool errors, /workspace paths, and a server that outlives
// a client killed mid-call.
import { lstat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@ironcurtain/testing';
import { objectSchema, startMcpWorld, textOf, type McpWorld } from './mcp-socket-world.js';

let world: McpWorld;

beforeAll(async () => {
  world = await startMcpWorld();
});

afterAll(async () => {
  await world.stop();
});

describe('the MCP socket, through socat as the agent reaches it', () => {
  it('is a socket only its owner can open', async () => {
    const stats = await lstat(world.socketPath);
    expect(stats.isSocket()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o600);
  });

  it('lists the catalog as <server>__<tool>, skipping names agents cannot use and saying why', async () => {
    const { client, transport } = await world.connectAgent();
    expect(client.getServerVersion()?.name).toBe('ironcurtain');
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'filesystem__explode',
      'filesystem__read_text_file',
      'filesystem__wait_forever',
      'filesystem__write_file',
    ]);
    const read = tools.find((tool) => tool.name === 'filesystem__read_text_file');
    expect(read).toMatchObject({ description: 'Reads a file.', inputSchema: objectSchema });
    expect(tools.find((tool) => tool.name === 'filesystem__wait_forever')?.inputSchema).toEqual({
      type: 'object',
    });
    const skipped = world.errors
      .filter((entry) => entry.what === 'offer the catalog to an agent')
      .map((entry) => entry.error);
    expect(skipped).toEqual([
      expect.stringMatching(/filesystem\.has\.dot .*characters other than letters/),
      expect.stringMatching(/list_directory_recursively_with_sizes .* 49 characters, over the 46/),
      expect.stringMatching(/filesystem\.takes_a_string .*input schema/),
      expect.stringMatching(/a__b\.c .*same MCP name "a__b__c"/),
      expect.stringMatching(/a\.b__c .*same MCP name "a__b__c"/),
    ]);
    await transport.close();
  });

  it('passes /workspace paths to callTool as host paths and maps the sandbox back in the result', async () => {
    const { client, transport } = await world.connectAgent();
    const result = await client.callTool({
      name: 'filesystem__read_text_file',
      arguments: { path: '/workspace/a.md' },
    });
    expect(world.calls.at(-1)).toMatchObject({
      serverName: 'filesystem',
      toolName: 'read_text_file',
      arguments: { path: `${world.sandbox}/a.md` },
    });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe(
      'contents of /workspace/a.md (sandbox /workspace)|[hologram content that MCP cannot carry]',
    );
    await transport.close();
  });

  it('returns a denial as a tool error whose text the agent can read', async () => {
    const { client, transport } = await world.connectAgent();
    const denied = await client.callTool({
      name: 'filesystem__write_file',
      arguments: { path: '/workspace/../x' },
    });
    expect(denied).toMatchObject({ isError: true });
    expect(textOf(denied)).toBe('DENIED: /workspace/../x may not be written (rule r7)');
    const unknown = await client.callTool({ name: 'filesystem__rm_rf', arguments: {} });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/unknown tool "filesystem__rm_rf"/);
    const failed = await client.callTool({ name: 'filesystem__explode', arguments: {} });
    expect(textOf(failed)).toBe(
      'filesystem__explode: IronCurtain could not complete the call (internal error)',
    );
    expect(world.errors.map((entry) => entry.error)).toContain(
      'Error: socket /var/secret/internal.sock refused',
    );
    await transport.close();
  });

  it('aborts the call of a client killed mid-call and goes on serving new clients', async () => {
    const first = await world.connectAgent();
    const pending = first.client
      .callTool({ name: 'filesystem__wait_forever', arguments: {} })
      .catch(() => 'gone');
    const waiting = await eventually('the call to reach callTool', () =>
      world.calls.find((call) => call.toolName === 'wait_forever'),
    );
    expect(waiting.signal.aborted).toBe(false);
    const socatPid = first.transport.pid;
    expect(socatPid).toBeGreaterThan(0);
    process.kill(socatPid as number, 'SIGKILL');
    await eventually('the signal to abort', () => waiting.signal.aborted);
    await expect(pending).resolves.toBe('gone');
    await eventually('the connection to be gone', () => world.server.connectionCount() === 0);
    const second = await world.connectAgent();
    expect((await second.client.listTools()).tools).toHaveLength(4);
    await second.transport.close();
  });

  it('serves many clients at once', async () => {
    const agents = await Promise.all(Array.from({ length: 12 }, () => world.connectAgent()));
    expect(world.server.connectionCount()).toBe(12);
    const results = await Promise.all(
      agents.map(({ client }, index) =>
        client.callTool({ name: 'filesystem__read_text_file', arguments: { path: `/workspace/${index}` } }),
      ),
    );
    results.forEach((result, index) => expect(textOf(result)).toContain(`contents of /workspace/${index} `));
    await Promise.all(agents.map(({ transport }) => transport.close()));
  });
});
