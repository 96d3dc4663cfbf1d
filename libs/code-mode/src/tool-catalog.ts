import { AppError, ErrorCode } from '@ironcurtain/errors';

/** One tool as the agent sees it (the shape of a `mcpgw.catalog.v1` tool; extra keys are ignored). */
export interface CatalogTool {
  readonly name: string;
  readonly description?: string;
  /** The tool's JSON Schema for its arguments. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** One MCP server and the tools the agent may call on it. */
export interface CatalogServer {
  readonly name: string;
  readonly description?: string;
  readonly tools: readonly CatalogTool[];
}

/** The tools Code Mode exposes: `mcpgw.catalog.v1`'s reply fits as it is. */
export interface ToolCatalog {
  readonly servers: readonly CatalogServer[];
}

/** Where a tool lives inside the isolate: its exact name, and an identifier alias when the name is not one. */
export interface ToolBinding {
  readonly name: string;
  readonly alias?: string;
}

/** A server namespace inside the isolate: a global named after the server (plus an identifier alias). */
export interface ServerBinding {
  readonly name: string;
  readonly alias?: string;
  readonly tools: readonly ToolBinding[];
}

/** Globals the runner itself installs; a server may not take these names. */
export const bridgeGlobalNames: readonly string[] = ['console', 'help', '__getToolInterface'];

const identifierPattern = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** True when `name` can be written after a dot (`server.name`). */
export function isIdentifier(name: string): boolean {
  return identifierPattern.test(name);
}

/** `list-things` → `list_things`, `2fa` → `_2fa`: every character a JS identifier cannot hold becomes `_`. */
export function identifierAliasOf(name: string): string {
  const replaced = name.replace(/[^A-Za-z0-9_$]/g, '_');
  return /^[0-9]/.test(replaced) ? `_${replaced}` : replaced;
}

/**
 * Lays the catalog out as globals and namespace members. Names that are not identifiers get an `_` alias unless
 * the alias would shadow a real name. A server name that would replace a JavaScript global or the runner's own
 * globals is a configuration error (the agent would lose `JSON`, `console`, …), so it fails here, once.
 */
export function bindCatalog(catalog: ToolCatalog, reservedGlobals: ReadonlySet<string>): ServerBinding[] {
  const serverNames = new Set(catalog.servers.map((server) => server.name));
  const seenServers = new Set<string>();
  const serverAliases = new Set<string>();
  return catalog.servers.map((server) => {
    if (server.name.length === 0) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        'An MCP server in the Code Mode catalog has an empty name.',
      );
    }
    if (seenServers.has(server.name)) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `MCP server "${server.name}" appears twice in the Code Mode catalog; server names must be unique.`,
      );
    }
    seenServers.add(server.name);
    if (reservedGlobals.has(server.name)) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `MCP server "${server.name}" would replace the JavaScript global "${server.name}" in Code Mode; ` +
          'rename the server in the MCP server configuration.',
      );
    }
    const tools = bindTools(server);
    const alias = aliasFor(server.name, serverNames, reservedGlobals);
    // Two names that alias alike (`a-b`, `a.b`) would fight over one alias: the first keeps it.
    if (alias === undefined || serverAliases.has(alias)) return { name: server.name, tools };
    serverAliases.add(alias);
    return { name: server.name, alias, tools };
  });
}

function bindTools(server: CatalogServer): ToolBinding[] {
  const toolNames = new Set(server.tools.map((tool) => tool.name));
  if (toolNames.size !== server.tools.length) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `MCP server "${server.name}" lists a tool name twice in the Code Mode catalog; tool names must be unique.`,
    );
  }
  const aliases = new Set<string>();
  return server.tools.map((tool) => {
    const alias = aliasFor(tool.name, toolNames, new Set<string>());
    if (alias === undefined || aliases.has(alias)) return { name: tool.name };
    aliases.add(alias);
    return { name: tool.name, alias };
  });
}

function aliasFor(
  name: string,
  realNames: ReadonlySet<string>,
  reservedGlobals: ReadonlySet<string>,
): string | undefined {
  if (isIdentifier(name)) return undefined;
  const alias = identifierAliasOf(name);
  return realNames.has(alias) || reservedGlobals.has(alias) ? undefined : alias;
}

/** Finds a tool by `server.tool` (exact names or aliases); undefined when there is none. */
export function findTool(
  catalog: ToolCatalog,
  serverName: string,
  toolName: string,
): { server: CatalogServer; tool: CatalogTool } | undefined {
  const server = catalog.servers.find((candidate) => candidate.name === serverName);
  const tool = server?.tools.find((candidate) => candidate.name === toolName);
  return server === undefined || tool === undefined ? undefined : { server, tool };
}
