import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSandbox, wrapCommand } from '@ironcurtain/os-sandbox';
import { startTestProxy, type TestProxy } from './network-fixture.js';
import { createSandboxFixture, probeForTests, type SandboxFixture } from './sandbox-fixture.js';

const probe = await probeForTests();
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
// Installed in the repository as a dependency of mcp-gateway; without it this test is skipped (it fails under CI).
const serverPackage = join(repositoryRoot, 'node_modules', '@modelcontextprotocol', 'server-filesystem');
const isServerInstalled = existsSync(join(serverPackage, 'dist', 'index.js'));
if (!isServerInstalled && process.env['CI'] === 'true') {
  throw new Error(`the sandboxed MCP server test needs ${serverPackage} (CI=true): run npm ci`);
}

describe.runIf(probe.isAvailable && isServerInstalled)('the filesystem MCP server in the sandbox', () => {
  let fixture: SandboxFixture;
  let proxy: TestProxy;
  beforeAll(async () => {
    fixture = await createSandboxFixture();
    proxy = await startTestProxy(fixture, { allowedDomains: ['registry.npmjs.org'] });
  });
  afterAll(async () => {
    await proxy.close();
    await fixture.remove();
  });

  // Without domains the server is bwrap's direct child; with them it runs behind the network bridge, through which
  // MCP's stdin and stdout must pass untouched.
  it.each([
    ['no network', false as const],
    ['a filtered network (through the bridge)', { allowedDomains: ['registry.npmjs.org'] }],
  ])('starts, lists its tools and reads only what the sandbox shows, with %s', async (_label, network) => {
    const packageDir = realpathSync(serverPackage);
    // The package's dependencies sit in the node_modules folder that holds it.
    const modulesDir = dirname(dirname(packageDir));
    const plan = planSandbox(
      {
        filesystem: { allowRead: [], allowWrite: ['${IRONCURTAIN_SANDBOX}'], denyRead: ['~'], denyWrite: [] },
        network,
      },
      fixture.context({ extraReadOnly: [fixture.nodeInstallDir, modulesDir] }),
    );
    const node = join(fixture.nodeInstallDir, 'bin', 'node');
    const serverArgs = [join(packageDir, 'dist', 'index.js'), fixture.sessionSandbox, fixture.outside];
    const wrapped = wrapCommand(node, serverArgs, plan, 'enforce', probe, {
      env: { PATH: '/usr/bin:/bin' },
      networkProxy: proxy.networkProxy,
    });
    const client = startJsonRpc(wrapped.command, wrapped.args, wrapped.env);
    try {
      await client.request('initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'os-sandbox-test', version: '0.0.0' },
      });
      client.notify('notifications/initialized');
      const tools = (await client.request('tools/list', {})) as { tools: { name: string }[] };
      expect(tools.tools.map((tool) => tool.name)).toContain('read_text_file');
      const allowed = await client.request('tools/call', { name: 'list_allowed_directories', arguments: {} });
      // The server was told it may use the outside directory, but the sandbox does not show it.
      expect(JSON.stringify(allowed)).toContain(fixture.sessionSandbox);
      expect(JSON.stringify(allowed)).not.toContain(fixture.outside);
      const read = await client.request('tools/call', {
        name: 'read_text_file',
        arguments: { path: join(fixture.sessionSandbox, 'hello.txt') },
      });
      expect(JSON.stringify(read)).toContain('hello');
    } finally {
      client.close();
    }
  });
});

/** A minimal newline-delimited JSON-RPC client over a child's stdio (what an MCP stdio client speaks). */
function startJsonRpc(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id as number);
    if (message.error !== undefined) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`server exited with ${code}: ${stderr}`));
  });
  let nextId = 1;
  return {
    request(method: string, params: unknown): Promise<unknown> {
      const id = nextId++;
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    notify(method: string): void {
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method })}\n`);
    },
    close(): void {
      child.kill();
    },
  };
}
