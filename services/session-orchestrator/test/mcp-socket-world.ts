// A running MCP socket server over a small catalog, and the two kinds of client the tests use: the real MCP SDK
// client spawning a real `socat STDIO UNIX-CONNECT:<socket>` (exactly as the agent in the container does), and a
// raw socket for what no real client sends.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolCall, ToolCallOutcome, ToolCatalog } from '@ironcurtain/code-mode';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startMcpSocketServer, type McpSocketServer } from '../src/domain/container/mcp-socket-server.js';
import { createSocketFolder } from '../src/domain/container/socket-folder.js';

export const objectSchema = { type: 'object', properties: { path: { type: 'string' } } };

/** Four tools agents can use, and five they cannot (a dot, too long, a string schema, two alike). */
export const catalog: ToolCatalog = {
  servers: [
    {
      name: 'filesystem',
      tools: [
        { name: 'read_text_file', description: 'Reads a file.', inputSchema: objectSchema },
        { name: 'write_file', inputSchema: objectSchema },
        { name: 'wait_forever', inputSchema: {} },
        { name: 'explode', inputSchema: objectSchema },
        { name: 'has.dot', inputSchema: objectSchema },
        { name: 'list_directory_recursively_with_sizes', inputSchema: objectSchema },
        { name: 'takes_a_string', inputSchema: { type: 'string' } },
      ],
    },
    { name: 'a__b', tools: [{ name: 'c', inputSchema: objectSchema }] },
    { name: 'a', tools: [{ name: 'b__c', inputSchema: objectSchema }] },
  ],
};

export interface McpWorld {
  readonly folder: string;
  readonly sandbox: string;
  readonly socketPath: string;
  readonly server: McpSocketServer;
  /** Every call that reached callTool, in order. */
  readonly calls: ToolCall[];
  /** Every onError report, rendered as `String(error)`, with what the server was doing. */
  readonly errors: { error: string; what: string }[];
  /** A callTool standing in for the tool bridge: reads answer, writes are denied, one waits for its signal. */
  callTool(call: ToolCall): Promise<ToolCallOutcome>;
  connectAgent(): Promise<{ client: Client; transport: StdioClientTransport }>;
  stop(): Promise<void>;
}

export async function startMcpWorld(): Promise<McpWorld> {
  const folder = await mkdtemp(join(tmpdir(), 'mcp-socket-'));
  const sandbox = join(folder, 'sandbox');
  await mkdir(sandbox);
  const socketPath = (await createSocketFolder(join(folder, 'run'))).mcpSocketPath;
  const calls: ToolCall[] = [];
  const errors: { error: string; what: string }[] = [];
  const callTool = async (call: ToolCall): Promise<ToolCallOutcome> => {
    calls.push(call);
    const path = String(call.arguments['path']);
    if (call.toolName === 'read_text_file') {
      const text = `contents of ${path} (sandbox ${sandbox})`;
      return { ok: true, text, content: [{ type: 'text', text }, { type: 'hologram' }] };
    }
    if (call.toolName === 'write_file')
      return { ok: false, message: `DENIED: ${path} may not be written (rule r7)` };
    if (call.toolName === 'explode') throw new Error('socket /var/secret/internal.sock refused');
    return new Promise((resolve) => {
      call.signal.addEventListener('abort', () => resolve({ ok: false, message: 'aborted' }));
    });
  };
  const server = await startMcpSocketServer({
    socketPath,
    catalog,
    callTool,
    sandboxPath: sandbox,
    onError: (error, what) => errors.push({ error: String(error), what }),
  });
  return {
    folder,
    sandbox,
    socketPath,
    server,
    calls,
    errors,
    callTool,
    async connectAgent() {
      const transport = new StdioClientTransport({
        command: 'socat',
        args: ['STDIO', `UNIX-CONNECT:${socketPath}`],
      });
      const client = new Client({ name: 'agent-in-container', version: '1.0.0' });
      await client.connect(transport);
      return { client, transport };
    },
    async stop() {
      await server.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/** The text of a tool result's blocks, joined with `|`. */
export function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  return (result.content as { type: string; text?: string }[]).map((block) => block.text ?? '').join('|');
}

/** A raw connection: write lines as they are, read the lines that come back. */
export function rawConnection(path: string) {
  const socket = connect(path);
  const lines: string[] = [];
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    const parts = (pending + chunk.toString('utf8')).split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, lines, closed };
}
