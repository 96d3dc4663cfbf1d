import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

const binPath = fileURLToPath(new URL('../bin/fetch-server.js', import.meta.url));
const builtMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** The real fetch server, spawned over stdio as the gateway would, with an MCP client connected to it. */
export interface FetchServerProcess {
  client: Client;
  /** Everything the server wrote to stderr so far (its log). */
  stderr(): string;
  /** Errors the client transport raised, e.g. a line on stdout that is not a JSON-RPC message. */
  transportErrors: Error[];
  callTool(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** Spawns `bin/fetch-server.js` with exactly `env` (plus the SDK's safe defaults such as PATH and HOME). */
export async function startFetchServer(env: Record<string, string> = {}): Promise<FetchServerProcess> {
  if (!existsSync(builtMain)) {
    throw new Error(`${builtMain} is missing; build the server first: npx tsc -b mcp-servers/fetch`);
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [binPath],
    env,
    stderr: 'pipe',
  });
  let stderrText = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderrText += chunk.toString('utf8');
  });
  const transportErrors: Error[] = [];
  const client = new Client({ name: 'fetch-server-test', version: '0.0.0' });
  client.onerror = (error) => transportErrors.push(error);
  await client.connect(transport);
  return {
    client,
    stderr: () => stderrText,
    transportErrors,
    callTool: async (name, args) =>
      (await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })) as CallToolResult,
    close: () => client.close(),
  };
}

/** The text of a tool result's first content item. */
export function resultText(result: CallToolResult): string {
  const [first] = result.content;
  if (first?.type !== 'text') throw new Error(`expected a text result, got ${JSON.stringify(result)}`);
  return first.text;
}
