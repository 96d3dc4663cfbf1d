import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { LiveTool, ManagedServer } from '../servers/managed-server.js';

/** Arguments a virtual server accepts in their canonical form, or why it refuses them (`invalid-arguments`). */
export type ArgumentNormalization =
  { ok: true; arguments: Record<string, unknown> } | { ok: false; reason: string };

/**
 * A server the gateway answers itself, with no process (the `proxy` tools). It is listed, prepared and executed
 * like any configured server — same schema check, same policy, same signed-decision check — and adds two steps of
 * its own: normalizing arguments before the engine sees them, and running a tool for a session.
 */
export interface VirtualServer {
  name: string;
  description: string;
  tools: readonly LiveTool[];
  /** Canonical arguments for one of its tools; values of the wrong type are left for the schema check. */
  normalizeArguments(toolName: string, args: Record<string, unknown>): ArgumentNormalization;
  callTool(sessionId: string, toolName: string, args: Record<string, unknown>): Promise<CallToolResult>;
}

/**
 * The virtual servers, consulted once by each path: the server map and instance factory (catalog, prepare and
 * execute then treat them as any server) and {@link VirtualServers.normalizeArguments}, which is the identity for
 * configured servers.
 */
export function createVirtualServers(servers: readonly VirtualServer[]) {
  const byName = new Map(servers.map((server) => [server.name, server]));
  return {
    names: (): string[] => [...byName.keys()],
    has: (serverName: string): boolean => byName.has(serverName),
    /** `{ description }` per server, to sit beside the configured ones in the catalog. */
    entries: (): Array<[string, { description: string }]> =>
      servers.map((server) => [server.name, { description: server.description }]),
    /** The instance a session (or the catalog, `sessionId` `catalog`) uses; it holds nothing to stop. */
    instanceFor(serverName: string, sessionId: string): ManagedServer | undefined {
      const server = byName.get(serverName);
      return server === undefined ? undefined : asManagedServer(server, sessionId);
    },
    normalizeArguments(
      serverName: string,
      toolName: string,
      args: Record<string, unknown>,
    ): ArgumentNormalization {
      const server = byName.get(serverName);
      return server === undefined ? { ok: true, arguments: args } : server.normalizeArguments(toolName, args);
    },
  };
}

/** The set's type, for wiring. */
export type VirtualServers = ReturnType<typeof createVirtualServers>;

function asManagedServer(server: VirtualServer, sessionId: string): ManagedServer {
  return {
    serverName: server.name,
    status: 'up',
    pid: undefined,
    tools: () => Promise.resolve(server.tools),
    // No process runs, so there is nothing for the OS sandbox to confine.
    isSandboxed: () => false,
    callTool: (name, args) => server.callTool(sessionId, name, args),
    stop: () => Promise.resolve(),
  };
}
