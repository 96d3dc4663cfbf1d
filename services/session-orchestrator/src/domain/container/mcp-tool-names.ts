import type { ToolCatalog } from '@ironcurtain/code-mode';
import { ToolSchema } from '@modelcontextprotocol/sdk/types.js';

/**
 * The longest tool name that fits the agents' clients. The Anthropic and OpenAI APIs take tool names of at most 64
 * characters of `[a-zA-Z0-9_-]`, and Claude Code sends ours as `mcp__ironcurtain__<name>` (18 more characters), so
 * a longer name would make every request of the agent fail, not only the calls of that tool.
 */
export const maximumMcpToolNameLength = 64 - 'mcp__ironcurtain__'.length;

const mcpToolNamePattern = /^[A-Za-z0-9_-]+$/;

/** One catalog tool as the agent sees it on `mcp.sock`: `<server>__<tool>`. */
export interface McpTool {
  readonly name: string;
  readonly serverName: string;
  readonly toolName: string;
  readonly description?: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** A catalog tool the agent is not offered, and why (for the operator's log). */
export interface SkippedMcpTool {
  readonly serverName: string;
  readonly toolName: string;
  readonly reason: string;
}

/**
 * The catalog's tools under their MCP names, each `<server>__<tool>`. A tool is skipped, with the reason, when its
 * name has characters other than `[A-Za-z0-9_-]` or more than {@link maximumMcpToolNameLength}, when its input
 * schema is not an object schema (MCP clients reject the whole list over one such tool), or when two tools come to
 * the same name (`a__b` + `c` and `a` + `b__c`): then both are skipped, so that no call can reach the wrong one.
 * A schema without a `type` is taken as `type: 'object'`, as tool arguments are always an object.
 */
export function mcpToolsOf(catalog: ToolCatalog): { tools: McpTool[]; skipped: SkippedMcpTool[] } {
  const candidates: McpTool[] = [];
  const skipped: SkippedMcpTool[] = [];
  for (const server of catalog.servers) {
    for (const tool of server.tools) {
      const candidate: McpTool = {
        name: `${server.name}__${tool.name}`,
        serverName: server.name,
        toolName: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        inputSchema:
          tool.inputSchema['type'] === undefined ? { type: 'object', ...tool.inputSchema } : tool.inputSchema,
      };
      const reason = problemOf(candidate);
      if (reason === undefined) candidates.push(candidate);
      else skipped.push({ serverName: server.name, toolName: tool.name, reason });
    }
  }
  const countByName = new Map<string, number>();
  for (const tool of candidates) countByName.set(tool.name, (countByName.get(tool.name) ?? 0) + 1);
  const tools: McpTool[] = [];
  for (const tool of candidates) {
    if (countByName.get(tool.name) === 1) {
      tools.push(tool);
      continue;
    }
    skipped.push({
      serverName: tool.serverName,
      toolName: tool.toolName,
      reason: `another tool of the catalog has the same MCP name "${tool.name}"; rename one of the servers`,
    });
  }
  return { tools, skipped };
}

function problemOf(tool: McpTool): string | undefined {
  if (!mcpToolNamePattern.test(tool.name)) {
    return `its MCP name "${tool.name}" has characters other than letters, digits, _ and -, which the agents' model APIs refuse`;
  }
  if (tool.name.length > maximumMcpToolNameLength) {
    return (
      `its MCP name "${tool.name}" has ${tool.name.length} characters, over the ${maximumMcpToolNameLength} that fit ` +
      "the agents' model APIs after Claude Code's prefix; shorten the server's name in the gateway configuration"
    );
  }
  const checked = ToolSchema.safeParse(tool);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    return `its input schema is not one MCP clients accept (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`;
  }
  return undefined;
}
