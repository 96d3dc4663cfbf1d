import { realpath } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import type { ToolCall, ToolCallOutcome, ToolCatalog } from '@ironcurtain/code-mode';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { serveMcpConnection } from './mcp-connection.js';
import { mcpToolsOf } from './mcp-tool-names.js';
import { listenOnUnixSocket, removeSocketFile, type SocketOwner } from './unix-socket-listener.js';
import {
  checkWorkspaceMapping,
  toContainerText,
  toHostArguments,
  type WorkspaceMapping,
} from './workspace-paths.js';

/** Where the sandbox is mounted in every agent container. */
export const containerWorkspacePath = '/workspace';

/** Options of {@link startMcpSocketServer}. */
export interface McpSocketServerOptions {
  /** The session's `mcp.sock` on the host. */
  readonly socketPath: string;
  /** The container user the socket is handed to (chown needs root). */
  readonly owner?: SocketOwner;
  /** The tools to offer, as `<server>__<tool>` (see `mcpToolsOf` for the ones that cannot be offered). */
  readonly catalog: ToolCatalog;
  /** Carries one call out (the tool bridge: one `pdp.toolcall.v1`); its `signal` aborts when the client leaves. */
  callTool(call: ToolCall): Promise<ToolCallOutcome>;
  /** The session sandbox on the host, mounted at `/workspace`. */
  readonly sandboxPath: string;
  /** Told about skipped tools, unreadable or overlong lines and failed calls; the server keeps serving. */
  onError?(error: unknown, what: string): void;
  /** Told each time the agent lists its tools: from then on it can call them. */
  onToolsListed?(toolCount: number): void;
  /** Connections served at once (default 32); more are refused, as each may buffer up to `maximumLineBytes`. */
  readonly maximumConnections?: number;
  /** The longest line (one JSON-RPC message) a client may send (default 8 MiB); a longer one closes its connection. */
  readonly maximumLineBytes?: number;
}

/** A running MCP socket server. */
export interface McpSocketServer {
  /** Stops listening, ends every connection (aborting their calls) and removes the socket file. */
  close(): Promise<void>;
  connectionCount(): number;
}

/**
 * Serves IronCurtain's tools to the agent in the container over the session's `mcp.sock`: each connection is one
 * MCP session in stdio framing, which is what `socat STDIO UNIX-CONNECT:/run/ironcurtain/mcp.sock` gives the agent's
 * MCP client. `/workspace` paths in arguments reach `callTool` as host paths, and host sandbox paths in results and
 * denials come back as `/workspace` paths. One client's garbage, overlong lines or disconnect ends at most its own
 * connection.
 */
export async function startMcpSocketServer(options: McpSocketServerOptions): Promise<McpSocketServer> {
  const onError = options.onError ?? (() => undefined);
  const { tools, skipped } = mcpToolsOf(options.catalog);
  for (const tool of skipped) {
    onError(
      new AppError(
        ErrorCode.ConfigInvalid,
        `${tool.serverName}.${tool.toolName} is not offered to agents in containers: ${tool.reason}`,
      ),
      'offer the catalog to an agent',
    );
  }
  const mappings = await workspaceMappingsOf(options.sandboxPath);
  const sockets = new Set<Socket>();
  const context = {
    toolsByName: new Map(tools.map((tool) => [tool.name, tool] as const)),
    callTool: (call: ToolCall) => options.callTool(call),
    toHostArguments: (argumentsOfCall: Record<string, unknown>) =>
      toHostArguments(argumentsOfCall, mappings.forArguments),
    toContainerText: (text: string) =>
      mappings.forResults.reduce((mapped, mapping) => toContainerText(mapped, mapping), text),
    onError,
    onToolsListed: (toolCount: number) => options.onToolsListed?.(toolCount),
    maximumLineBytes: options.maximumLineBytes ?? 8 * 1024 * 1024,
  };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveMcpConnection(socket, context);
  });
  server.maxConnections = options.maximumConnections ?? 32;
  server.on('drop', () => {
    onError(
      new AppError(
        ErrorCode.Unavailable,
        `an MCP client was refused: ${server.maxConnections} connections are open already`,
      ),
      'accept an MCP connection',
    );
  });
  await listenOnUnixSocket(server, options.socketPath, options.owner);
  return {
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await removeSocketFile(options.socketPath);
    },
    connectionCount: () => sockets.size,
  };
}

/**
 * The mapping of the sandbox path as given, then (when it differs) of its real path: the gateway canonicalizes paths,
 * so its results may name the sandbox by its real path, and the agent should see `/workspace` for both. Arguments
 * map to the path as given. Results are mapped longest path first, in case one of the two lies inside the other.
 */
async function workspaceMappingsOf(sandboxPath: string): Promise<{
  forArguments: WorkspaceMapping;
  forResults: WorkspaceMapping[];
}> {
  const given: WorkspaceMapping = { sandboxPath, workspacePath: containerWorkspacePath };
  checkWorkspaceMapping(given);
  const real = await realpath(sandboxPath).catch(() => sandboxPath);
  const forResults = real === sandboxPath ? [given] : [given, { ...given, sandboxPath: real }];
  return {
    forArguments: given,
    forResults: forResults.sort((first, second) => second.sandboxPath.length - first.sandboxPath.length),
  };
}
