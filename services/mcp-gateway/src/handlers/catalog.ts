import { setTimeout as sleep } from 'node:timers/promises';
import type { Handler } from '@ironcurtain/bus';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { StoredToolAnnotation } from '@ironcurtain/policy-engine';
import type { McpgwCatalog } from '@ironcurtain/proto-schemas';
import type { CatalogServer } from '../domain/servers/catalog.js';

/** What the catalog handler reads. */
export interface CatalogHandlerDependencies {
  servers(serverName?: string): CatalogServer[];
  annotationOf(serverName: string, toolName: string): StoredToolAnnotation | undefined;
  /** How a server reaches the network, in words (`describeServerNetwork` of `@ironcurtain/mcp-config`). */
  networkOf(serverName: string, isSandboxed: boolean): string | undefined;
  /** Settles when every server has listed its tools or failed once. */
  firstListing: Promise<void>;
  /** How long a request waits for that first listing before answering with what is known. */
  firstListingWaitMs: number;
}

/**
 * `mcpgw.catalog.v1`: every server with its live tools, the active policy's annotation of each, status, sandbox and
 * network.
 */
export function createCatalogHandler(deps: CatalogHandlerDependencies): Handler<typeof McpgwCatalog> {
  return async (request) => {
    await Promise.race([deps.firstListing, sleep(deps.firstListingWaitMs, undefined, { ref: false })]);
    const servers = deps.servers(request.serverName);
    if (request.serverName !== undefined && servers.length === 0) {
      const known = deps.servers().map((server) => server.name);
      throw new AppError(
        ErrorCode.NotFound,
        `no MCP server "${request.serverName}"; this gateway runs ${known.join(', ') || 'none'}`,
      );
    }
    const notStarted = servers.find((server) => server.notStartedReason !== undefined);
    if (request.serverName !== undefined && notStarted?.notStartedReason !== undefined) {
      throw new AppError(ErrorCode.Unavailable, notStarted.notStartedReason, { retryable: false });
    }
    return {
      servers: servers.map((server) => ({
        name: server.name,
        description: server.description,
        status: server.status,
        sandboxed: server.sandboxed,
        network: deps.networkOf(server.name, server.sandboxed),
        tools: server.tools.map((tool) => ({
          name: tool.name,
          description: tool.description,
          inputSchema: tool.inputSchema,
          annotation: deps.annotationOf(server.name, tool.name) as Record<string, unknown> | undefined,
        })),
      })),
    };
  };
}
