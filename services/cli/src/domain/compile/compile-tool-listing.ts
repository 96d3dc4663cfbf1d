import { readFile } from 'node:fs/promises';
import { request } from '@ironcurtain/bus';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { formatSchemaIssues } from '@ironcurtain/policy-engine';
import { listedServersSchema, type ListedServers } from '@ironcurtain/policy-compiler';
import { McpgwCatalog } from '@ironcurtain/proto-schemas';
import type { NatsClientSettings } from '../stack/stack-services.js';
import { connectCliBus } from '../cli-bus.js';

// Starting every MCP server for the catalog can take a while on a cold machine.
const catalogTimeoutMs = 60_000;

/** Lists every server's tools (or one server's) through the gateway: `mcpgw.catalog.v1` on the bus. */
export async function listToolsThroughGateway(
  settings: NatsClientSettings,
  serverName: string | undefined,
): Promise<ListedServers> {
  const bus = await connectCliBus(settings);
  try {
    const catalog = await request(bus, McpgwCatalog, serverName === undefined ? {} : { serverName }, {
      timeoutMs: catalogTimeoutMs,
    });
    const listed: ListedServers = {};
    for (const server of catalog.servers) {
      if (server.status !== 'up') {
        throw new AppError(
          ErrorCode.Unavailable,
          `MCP server ${server.name} is ${server.status} in the gateway; its tools cannot be listed (see ` +
            '`ironcurtain doctor` and the mcp-gateway log)',
        );
      }
      listed[server.name] = server.tools.map(({ name, description, inputSchema }) => ({
        name,
        ...(description === undefined ? {} : { description }),
        inputSchema,
      }));
    }
    return listed;
  } finally {
    await bus.close();
  }
}

/** Reads tool lists from a file: `{ "<server>": [{ name, description?, inputSchema }] }` (offline annotation). */
export async function readToolsFile(file: string, serverName: string | undefined): Promise<ListedServers> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new AppError(ErrorCode.ConfigInvalid, `--tools-file ${file} cannot be read as JSON`, {
      cause: error,
    });
  }
  const parsed = listedServersSchema.safeParse(value);
  if (!parsed.success)
    throw new AppError(ErrorCode.ConfigInvalid, formatSchemaIssues(file, parsed.error.issues));
  if (serverName === undefined) return parsed.data;
  const tools = parsed.data[serverName];
  if (tools === undefined)
    throw new AppError(ErrorCode.NotFound, `--tools-file ${file} has no server "${serverName}"`);
  return { [serverName]: tools };
}
