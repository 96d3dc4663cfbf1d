// The real filesystem server (@modelcontextprotocol/server-filesystem from node_modules) behind the real gateway:
// catalog, prepare and execute with decisions signed as the PDP signs them, on real files in a real sandbox.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '@ironcurtain/bus';
import { McpgwCatalog } from '@ironcurtain/proto-schemas';
import { createWorld, filesystemServer, textOf, type World } from './gateway-world.js';

let world: World;

beforeAll(async () => {
  world = await createWorld({ servers: { filesystem: filesystemServer } });
});
afterAll(async () => {
  await world?.dispose();
});

describe('mcpgw.catalog.v1', () => {
  it('lists every tool with its live input schema, the active policy annotation, status, sandbox and network', async () => {
    const catalog = await request(world.client, McpgwCatalog, {}, { timeoutMs: 30_000 });
    // The configured server, then the gateway's own `proxy` (proxy-tools.int.test.ts).
    expect(catalog.servers.map((entry) => entry.name)).toEqual(['filesystem', 'proxy']);
    const server = catalog.servers[0];
    expect(server).toMatchObject({
      name: 'filesystem',
      description: 'files',
      status: 'up',
      sandboxed: true,
      network: 'none',
    });
    expect(catalog.servers[1]).toMatchObject({
      name: 'proxy',
      network: 'none (answered by the gateway itself)',
    });
    const readFileTool = server?.tools.find((tool) => tool.name === 'read_file');
    expect(readFileTool?.inputSchema).toMatchObject({
      type: 'object',
      properties: { path: { type: 'string' } },
    });
    expect(readFileTool?.annotation).toMatchObject({ toolName: 'read_file', args: { path: ['read-path'] } });
    expect(server?.tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['write_file', 'move_file', 'directory_tree', 'list_directory']),
    );
  });

  it('answers NOT_FOUND for a server it does not run', async () => {
    await expect(
      request(world.client, McpgwCatalog, { serverName: 'nope' }, { timeoutMs: 5000 }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('filesystem') });
  });
});

describe('mcpgw.prepare.v1', () => {
  it('canonicalizes a relative path against the session sandbox and hashes the result', async () => {
    const sandbox = await world.sandboxOf('fs-prepare');
    const prepared = await world.prepare('fs-prepare', 'filesystem', 'read_file', { path: 'notes/a.md' });
    expect(prepared).toMatchObject({
      status: 'valid',
      canonicalArguments: { path: join(sandbox, 'notes', 'a.md') },
      argsHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('maps /workspace to the host sandbox for a container session only', async () => {
    const sandbox = await world.sandboxOf('fs-container');
    const inContainer = await world.prepare(
      'fs-container',
      'filesystem',
      'read_file',
      { path: '/workspace/a.md' },
      { isContainerSession: true },
    );
    expect(inContainer).toMatchObject({ canonicalArguments: { path: join(sandbox, 'a.md') } });
    const onHost = await world.prepare('fs-container', 'filesystem', 'read_file', {
      path: '/workspace/a.md',
    });
    expect(onHost).toMatchObject({ canonicalArguments: { path: '/workspace/a.md' } });
  });

  it('is invalid, with a reason, for an unknown server, an unknown tool and arguments off the schema', async () => {
    await world.sandboxOf('fs-invalid');
    await expect(world.prepare('fs-invalid', 'nope', 'read_file', { path: 'a' })).resolves.toEqual({
      status: 'invalid',
      reason: expect.stringMatching(/unknown server "nope"; this gateway runs filesystem/),
    });
    await expect(world.prepare('fs-invalid', 'filesystem', 'rm_rf', {})).resolves.toEqual({
      status: 'invalid',
      reason: expect.stringMatching(/unknown tool "rm_rf" on server "filesystem"; it has .*read_file/),
    });
    await expect(
      world.prepare('fs-invalid', 'filesystem', 'read_file', { path: 'a', follow: true }),
    ).resolves.toEqual({ status: 'invalid', reason: expect.stringContaining('unknown key "follow"') });
    await expect(world.prepare('fs-invalid', 'filesystem', 'read_file', { path: 42 })).resolves.toEqual({
      status: 'invalid',
      reason: expect.stringContaining('expected string'),
    });
  });
});

describe('mcpgw.execute.v1 on the filesystem server', () => {
  it('writes, reads, moves and lists files in the sandbox', async () => {
    const sandbox = await world.sandboxOf('fs-ops');
    const written = await world.run('fs-ops', 'filesystem', 'write_file', {
      path: 'draft.md',
      content: '# draft\nhello\n',
    });
    expect(written).toMatchObject({ isError: false, truncated: false, sandboxed: true });
    expect(await readFile(join(sandbox, 'draft.md'), 'utf8')).toBe('# draft\nhello\n');

    const read = await world.run('fs-ops', 'filesystem', 'read_file', { path: join(sandbox, 'draft.md') });
    expect(read.isError).toBe(false);
    expect(textOf(read)).toBe('# draft\nhello\n');

    await mkdir(join(sandbox, 'archive'));
    const moved = await world.run('fs-ops', 'filesystem', 'move_file', {
      source: 'draft.md',
      destination: 'archive/final.md',
    });
    expect(moved.isError).toBe(false);
    expect(await readFile(join(sandbox, 'archive', 'final.md'), 'utf8')).toBe('# draft\nhello\n');

    const listing = await world.run('fs-ops', 'filesystem', 'list_directory', { path: sandbox });
    expect(textOf(listing)).toContain('[DIR] archive');
    expect(textOf(listing)).not.toContain('draft.md');
    const tree = await world.run('fs-ops', 'filesystem', 'directory_tree', { path: sandbox });
    expect(JSON.parse(textOf(tree))).toEqual([
      { name: 'archive', type: 'directory', children: [{ name: 'final.md', type: 'file' }] },
    ]);
  });

  it("returns the server's own errors as a tool error, not a gateway failure", async () => {
    await world.sandboxOf('fs-missing');
    const missing = await world.run('fs-missing', 'filesystem', 'read_file', { path: 'not-there.md' });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/ENOENT|no such file/i);
  });

  it('shows a container session the /workspace view of paths in results', async () => {
    const sandbox = await world.sandboxOf('fs-view');
    await writeFile(join(sandbox, 'seen.md'), 'x');
    const result = await world.run(
      'fs-view',
      'filesystem',
      'list_allowed_directories',
      {},
      { isContainerSession: true },
    );
    expect(textOf(result)).toContain('/workspace');
    expect(textOf(result)).not.toContain(sandbox);
    const hostView = await world.run('fs-view', 'filesystem', 'list_allowed_directories', {});
    expect(textOf(hostView)).toContain(sandbox);
  });

  it('cuts a result over 100 KB to its head and tail around a marker that says how much was cut', async () => {
    const sandbox = await world.sandboxOf('fs-big');
    const head = 'HEAD-START\n' + 'a'.repeat(60_000);
    const middle = 'MIDDLE-NEVER-SEEN'.repeat(5000);
    const tail = 'z'.repeat(60_000) + '\nTAIL-END';
    await writeFile(join(sandbox, 'big.txt'), head + middle + tail);
    const total = Buffer.byteLength(head + middle + tail);
    const result = await world.run('fs-big', 'filesystem', 'read_file', { path: 'big.txt' });
    expect(result.truncated).toBe(true);
    const text = textOf(result);
    expect(text.startsWith('HEAD-START\n')).toBe(true);
    expect(text.endsWith('\nTAIL-END')).toBe(true);
    expect(text).not.toContain('MIDDLE-NEVER-SEEN');
    const marker = /truncated by the gateway: (\d+) of (\d+) bytes cut/.exec(text);
    expect(Number(marker?.[2])).toBe(total);
    expect(Number(marker?.[1])).toBe(total - 100 * 1024);
    expect(Buffer.byteLength(text)).toBeLessThan(100 * 1024 + 400);
  });
});
