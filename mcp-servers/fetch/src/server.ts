import { AppError, errorCodeOf } from '@ironcurtain/errors';
import type { Logger } from '@ironcurtain/log';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolRequestSchema,
  ErrorCode as McpErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { createAddressPolicy } from '@ironcurtain/address-screen';
import type { FetchServerConfig } from './config.js';
import type { Egress, TlsTrust } from './egress.js';
import { FetchErrorCode } from './error-codes.js';
import { fetchPage } from './fetch-page.js';
import { webSearch } from './search/web-search.js';
import { systemLookup, type HostLookup } from './ssrf-guard.js';
import { httpFetchInput, toolDefinitions, webSearchInput } from './tool-schemas.js';

/** What {@link createFetchServer} is built from. `lookup` and `tls` exist for tests; production uses the defaults. */
export interface FetchServerDependencies {
  config: FetchServerConfig;
  logger: Logger;
  version: string;
  lookup?: HostLookup;
  tls?: TlsTrust;
}

type ToolHandler = (args: unknown) => Promise<CallToolResult>;

/**
 * The fetch MCP server, not yet connected to a transport. Tools are registered on the underlying protocol server
 * rather than with `McpServer.registerTool`, because registerTool derives each inputSchema from zod (as draft-07),
 * and the schemas must be exactly those in the default policy's tool-annotations.json. Every failure of a tool
 * becomes a result with `isError: true` and a message; nothing a remote site or the agent sends can crash it.
 */
export function createFetchServer(dependencies: FetchServerDependencies): McpServer {
  const mcpServer = new McpServer({ name: 'ironcurtain-fetch', version: dependencies.version });
  const handlers = toolHandlers(dependencies);
  mcpServer.server.registerCapabilities({ tools: {} });
  mcpServer.server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: toolDefinitions.map((tool) => ({ ...tool, inputSchema: { ...tool.inputSchema } })),
  }));
  mcpServer.server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const handler = handlers.get(request.params.name);
    if (handler === undefined) {
      throw new McpError(
        McpErrorCode.InvalidParams,
        `Unknown tool ${request.params.name}; this server has http_fetch and web_search.`,
      );
    }
    const startedAt = performance.now();
    const result = await runBoundary(() => handler(request.params.arguments ?? {}), dependencies.logger);
    dependencies.logger.info(
      {
        tool: request.params.name,
        outcome: result.isError === true ? 'error' : 'ok',
        code: result._meta?.['code'],
        durationMs: Math.round(performance.now() - startedAt),
      },
      'tool call handled',
    );
    return result;
  });
  return mcpServer;
}

function toolHandlers(dependencies: FetchServerDependencies): Map<string, ToolHandler> {
  // One egress for both tools: the same guard, and the same route out (direct, or the proxy in the sandbox).
  const egress: Egress = {
    policy: createAddressPolicy(dependencies.config.allowedAddresses),
    lookup: dependencies.lookup ?? systemLookup,
    proxy: dependencies.config.proxy,
    tls: dependencies.tls,
  };
  return new Map<string, ToolHandler>([
    [
      'http_fetch',
      async (args) => {
        const page = await fetchPage(parseArguments(httpFetchInput, args, 'http_fetch'), egress);
        return { content: [{ type: 'text', text: page.text }], isError: page.isError };
      },
    ],
    [
      'web_search',
      async (args) => {
        const settings = dependencies.config.search;
        const answer = await webSearch(parseArguments(webSearchInput, args, 'web_search'), {
          ...egress,
          settings,
        });
        return {
          content: [{ type: 'text', text: JSON.stringify(answer, null, 2) }],
          structuredContent: { ...answer },
        };
      },
    ],
  ]);
}

function parseArguments<Schema extends z.ZodType>(
  schema: Schema,
  args: unknown,
  tool: string,
): z.output<Schema> {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`,
  );
  throw new AppError(FetchErrorCode.InputInvalid, `Invalid arguments for ${tool}: ${problems.join('; ')}.`);
}

const knownCodes: ReadonlySet<string> = new Set(Object.values(FetchErrorCode));

// The one error boundary: errors with one of this server's codes carry a message written for the agent; anything
// else (a Node system error has a code too) is a bug, logged here and reported without internals.
async function runBoundary(run: () => Promise<CallToolResult>, logger: Logger): Promise<CallToolResult> {
  try {
    return await run();
  } catch (error) {
    const code = errorCodeOf(error);
    if (code !== undefined && knownCodes.has(code) && error instanceof Error) {
      return { content: [{ type: 'text', text: error.message }], isError: true, _meta: { code } };
    }
    logger.error({ err: error }, 'unexpected error in a tool call');
    return {
      content: [{ type: 'text', text: 'The fetch server failed unexpectedly; see its log.' }],
      isError: true,
      _meta: { code: 'INTERNAL' },
    };
  }
}
