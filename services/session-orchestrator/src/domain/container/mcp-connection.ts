import type { Socket } from 'node:net';
import type { ToolCall, ToolCallOutcome } from '@ironcurtain/code-mode';
import { AppError, ErrorCode, errorCodeOf } from '@ironcurtain/errors';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  ContentBlockSchema,
  ErrorCode as JsonRpcErrorCode,
  ListToolsRequestSchema,
  type CallToolResult,
  type ContentBlock,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpTool } from './mcp-tool-names.js';

/** What every connection of one MCP socket shares. */
export interface McpConnectionContext {
  readonly toolsByName: ReadonlyMap<string, McpTool>;
  callTool(call: ToolCall): Promise<ToolCallOutcome>;
  toHostArguments(argumentsOfCall: Record<string, unknown>): Record<string, unknown>;
  toContainerText(text: string): string;
  onError(error: unknown, what: string): void;
  /** Told each time a client lists the tools (the agent is ready to use them). */
  onToolsListed(toolCount: number): void;
  readonly maximumLineBytes: number;
}

// A client that keeps sending garbage gets an answer for every line but fills the operator's log only this often.
const maximumReportedProtocolErrors = 3;

/**
 * Serves one MCP session on one connection in stdio framing: `initialize`, `tools/list` and `tools/call` through
 * the SDK's low-level `Server`. A line that is not JSON-RPC is answered with a JSON-RPC error and skipped; a line
 * over `maximumLineBytes` closes this connection. Calls in flight are aborted (their `signal`) when the connection
 * ends, whoever ends it.
 */
export function serveMcpConnection(socket: Socket, context: McpConnectionContext): void {
  const connectionClosed = new AbortController();
  const server = new Server({ name: 'ironcurtain', version: '0.1.0' }, { capabilities: { tools: {} } });
  const transport = new StdioServerTransport(socket, socket, { maxBufferSize: 2 * context.maximumLineBytes });
  let reportedProtocolErrors = 0;
  const closeConnection = () => {
    connectionClosed.abort();
    socket.destroy();
  };

  server.setRequestHandler(ListToolsRequestSchema, () => {
    context.onToolsListed(context.toolsByName.size);
    return {
      tools: [...context.toolsByName.values()].map((tool) => ({
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        inputSchema: { type: 'object' as const, ...tool.inputSchema },
      })),
    };
  });
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    callTool(request.params, AbortSignal.any([extra.signal, connectionClosed.signal]), context),
  );
  server.onerror = (error) => {
    if (isUnreadableLine(error)) {
      void transport.send({
        jsonrpc: '2.0',
        error: { code: JsonRpcErrorCode.ParseError, message: unreadableLineMessage },
      });
    }
    reportedProtocolErrors += 1;
    if (reportedProtocolErrors <= maximumReportedProtocolErrors)
      context.onError(error, 'read an MCP message');
  };
  server.onclose = closeConnection;

  // Registered before the transport's own listener, so an overlong line is caught before it is buffered whole.
  watchLineLength(socket, context.maximumLineBytes, () => {
    context.onError(
      new AppError(
        ErrorCode.SchemaInvalid,
        `an MCP client sent a line over ${context.maximumLineBytes} bytes; its connection was closed`,
      ),
      'read an MCP message',
    );
    connectionClosed.abort();
    socket.pause();
    const reply = {
      jsonrpc: '2.0',
      error: {
        code: JsonRpcErrorCode.InvalidRequest,
        message: `Invalid request: a line is over ${context.maximumLineBytes} bytes; this connection is closed`,
      },
    };
    socket.end(`${JSON.stringify(reply)}\n`, () => socket.destroy());
    // A client that never reads would keep the connection half-closed forever.
    setTimeout(() => socket.destroy(), 1000).unref();
  });
  socket.on('error', (error) => {
    // A client that vanished mid-write is the usual end of a connection, not news for the operator.
    if (errorCodeOf(error) !== 'EPIPE' && errorCodeOf(error) !== 'ECONNRESET') {
      context.onError(error, 'use an MCP connection');
    }
  });
  socket.once('close', () => {
    connectionClosed.abort();
    void server.close();
  });
  server.connect(transport).catch((error: unknown) => {
    context.onError(error, 'start an MCP session');
    closeConnection();
  });
}

const unreadableLineMessage =
  'Parse error: a line that is not one JSON-RPC message was skipped; send one JSON object per line';

function isUnreadableLine(error: unknown): boolean {
  return error instanceof SyntaxError || (error instanceof Error && error.name === 'ZodError');
}

function watchLineLength(socket: Socket, maximumLineBytes: number, onOverlong: () => void): void {
  let currentLineBytes = 0;
  socket.on('data', (chunk: Buffer) => {
    let lineStart = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, lineStart)) {
      if (currentLineBytes + newline - lineStart > maximumLineBytes) return onOverlong();
      currentLineBytes = 0;
      lineStart = newline + 1;
    }
    currentLineBytes += chunk.length - lineStart;
    if (currentLineBytes > maximumLineBytes) onOverlong();
  });
}

async function callTool(
  params: { name: string; arguments?: Record<string, unknown> | undefined },
  signal: AbortSignal,
  context: McpConnectionContext,
): Promise<CallToolResult> {
  const tool = context.toolsByName.get(params.name);
  if (tool === undefined) {
    const shownName = params.name.length > 200 ? `${params.name.slice(0, 200)}…` : params.name;
    return errorResult(`unknown tool "${shownName}": tools/list names the tools of this server`);
  }
  if (signal.aborted) return errorResult('the connection closed; the call was not run');
  let hostArguments: Record<string, unknown>;
  try {
    hostArguments = context.toHostArguments(params.arguments ?? {});
  } catch (error) {
    // Only our own depth limit is worth showing; anything else would be an internal detail.
    const reason =
      errorCodeOf(error) === ErrorCode.SchemaInvalid ? messageOf(error) : 'the arguments could not be read';
    return errorResult(`${tool.name}: ${reason}; the call was not run`);
  }
  let outcome: ToolCallOutcome;
  try {
    outcome = await context.callTool({
      serverName: tool.serverName,
      toolName: tool.toolName,
      arguments: hostArguments,
      signal,
    });
  } catch (error) {
    context.onError(error, `call ${tool.serverName}.${tool.toolName} for an agent`);
    return errorResult(`${tool.name}: IronCurtain could not complete the call (internal error)`);
  }
  if (!outcome.ok) return errorResult(context.toContainerText(outcome.message));
  return { content: contentOf(outcome, context.toContainerText) };
}

function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

/**
 * The result's MCP content blocks, with host sandbox paths in their text shown as container paths; a block that is
 * not valid MCP content becomes a note, since one bad block would make the client drop the whole result.
 */
function contentOf(
  outcome: { readonly text: string; readonly content?: readonly unknown[] },
  toContainerText: (text: string) => string,
): ContentBlock[] {
  const blocks = outcome.content ?? [];
  if (blocks.length === 0) return [{ type: 'text', text: toContainerText(outcome.text) }];
  return blocks.map((block): ContentBlock => {
    const parsed = ContentBlockSchema.safeParse(block);
    if (!parsed.success)
      return { type: 'text', text: `[${typeNameOf(block)} content that MCP cannot carry]` };
    const content = parsed.data;
    if (content.type === 'text') return { ...content, text: toContainerText(content.text) };
    if (content.type === 'resource' && 'text' in content.resource) {
      return { ...content, resource: { ...content.resource, text: toContainerText(content.resource.text) } };
    }
    return content;
  });
}

function typeNameOf(block: unknown): string {
  const type = typeof block === 'object' && block !== null ? (block as { type?: unknown }).type : undefined;
  return typeof type === 'string' ? type.slice(0, 40) : 'unknown';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
