// The ways bench:session makes the same read: from agent code in a fresh isolate through this service's own tool
// bridge (src/domain/tool-bridge.ts, wired as src/service.ts wires it), the same pdp.toolcall.v1 sent directly on
// the bus, and the same tool called directly over MCP with no IronCurtain in between.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { request } from '@ironcurtain/bus';
import { createCodeRunner, type ToolCallOutcome } from '@ironcurtain/code-mode';
import { McpgwCatalog, PdpToolCall } from '@ironcurtain/proto-schemas';
import { createToolBridge, textOf } from '../src/domain/tool-bridge.ts';
import type { SessionStack } from './session-stack.ts';

/** Timings of one execution's back-to-back tool calls, in ms. */
export interface IsolateCallTimings {
  /** From one call leaving the isolate to the next: one whole call as agent code sees it. */
  readonly periods: number[];
  /** From the host holding a reply to the isolate's next call: the isolate's own share of a call. */
  readonly crossings: number[];
}

/** The same `filesystem.read_text_file` made each way; every method throws unless the file came back. */
export interface SessionCallers {
  executeTrivialCode(): Promise<void>;
  /** One execution making `count + 1` calls, giving `count` timings of each kind. */
  callFromIsolate(count: number): Promise<IsolateCallTimings>;
  executeOneCall(): Promise<void>;
  callDirectBus(): Promise<void>;
  callDirectMcp(): Promise<void>;
  /** How many pdp.toolcall.v1 were sent, each way together. */
  toolCalls(): number;
  close(): Promise<void>;
}

/** What the callers need: the running stack, the file to read and its content, and when to give up. */
export interface SessionCallersOptions {
  readonly stack: SessionStack;
  readonly file: string;
  readonly content: string;
  readonly userMessage: string;
  readonly stopping: AbortSignal;
}

/** Fetches the gateway's catalog (as a session does), starts the direct MCP server and builds the callers. */
export async function createSessionCallers(options: SessionCallersOptions): Promise<SessionCallers> {
  const { stack, file, content, userMessage } = options;
  const catalog = await request(stack.bus, McpgwCatalog, {}, { timeoutMs: 30_000 });
  const filesystem = catalog.servers.find((server) => server.name === 'filesystem');
  if (filesystem?.tools.some((tool) => tool.name === 'read_text_file') !== true) {
    throw new Error('the gateway catalog has no filesystem.read_text_file');
  }
  let toolCalls = 0;
  let entries: number[] = [];
  let exits: number[] = [];
  const denials: string[] = [];
  const bridge = createToolBridge({
    sessionId: stack.sessionId,
    latestUserMessage: () => userMessage,
    requestToolCall: (payload) =>
      request(stack.bus, PdpToolCall, payload, { timeoutMs: 10_000, sessionId: payload.sessionId }),
    onNote: (note) => {
      if (note.outcome !== 'executed') denials.push(`${note.tool}: ${note.text}`);
    },
  });
  // A stopping bench answers pending calls at once: an isolate blocked in a call would keep the process alive.
  const whenStopping = new Promise<ToolCallOutcome>((resolve) =>
    options.stopping.addEventListener('abort', () =>
      resolve({ ok: false, message: 'the bench is stopping' }),
    ),
  );
  const runner = createCodeRunner({
    tools: catalog,
    timeLimitMs: 120_000,
    callTool: async (call) => {
      entries.push(performance.now());
      toolCalls += 1;
      const outcome = await Promise.race([bridge(call), whenStopping]);
      exits.push(performance.now());
      return outcome;
    },
  });
  const execute = async (code: string, expected: string | undefined) => {
    const execution = await runner.execute(code);
    if (!execution.ok) throw new Error(`execution failed: ${execution.error.message}; ${denials.join('; ')}`);
    if (execution.result !== expected)
      throw new Error(`execution returned ${execution.result}, not ${expected}`);
  };
  const readCode = (count: number) =>
    `const path = ${JSON.stringify(file)};\nlet bytes = 0;\n` +
    `for (let i = 0; i < ${count}; i += 1) bytes += filesystem.read_text_file({ path }).length;\nbytes`;
  const mcp = await startDirectServer(stack.sandbox);

  return {
    executeTrivialCode: () => execute('undefined', undefined),
    async callFromIsolate(count) {
      entries = [];
      exits = [];
      await execute(readCode(count + 1), String((count + 1) * content.length));
      const next = entries.slice(1);
      return {
        periods: next.map((entry, index) => entry - (entries[index] ?? 0)),
        crossings: next.map((entry, index) => entry - (exits[index] ?? 0)),
      };
    },
    executeOneCall: () => execute(readCode(1), String(content.length)),
    async callDirectBus() {
      toolCalls += 1;
      const payload = {
        callId: randomUUID(),
        sessionId: stack.sessionId,
        serverName: 'filesystem',
        toolName: 'read_text_file',
        arguments: { path: file },
        userMessage,
      };
      const reply = await request(stack.bus, PdpToolCall, payload, {
        timeoutMs: 10_000,
        sessionId: stack.sessionId,
      });
      if (reply.outcome !== 'executed' || reply.isError === true)
        throw new Error(`not executed: ${reply.message}`);
      if (textOf(reply.content ?? []) !== content)
        throw new Error('the direct bus call did not return the file');
    },
    async callDirectMcp() {
      const result = await mcp.callTool({ name: 'read_text_file', arguments: { path: file } });
      if (result.isError === true) throw new Error('the direct MCP read failed');
    },
    toolCalls: () => toolCalls,
    close: () => mcp.close(),
  };
}

async function startDirectServer(sandbox: string): Promise<Client> {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('@modelcontextprotocol/server-filesystem/package.json'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(packageDir, 'dist', 'index.js'), sandbox],
    cwd: sandbox,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'session-bench-direct', version: '0.1.0' }, { capabilities: {} });
  await client.connect(transport);
  await client.listTools();
  return client;
}
