import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { classifyCallError } from '../gateway-errors.js';
import type { ServerLaunch } from './launch-command.js';
import { createSecretMaskingStream } from './secret-masking.js';
import { openStdioTransport, type OpenedTransport } from './server-transport.js';

/** What a server process is doing. */
export type ServerStatus = 'stopped' | 'starting' | 'up' | 'restarting' | 'down';

/** A tool as the running server lists it. */
export interface LiveTool {
  name: string;
  description?: string | undefined;
  inputSchema: Record<string, unknown>;
}

/** Options of {@link createManagedServer}. */
export interface ManagedServerOptions {
  serverName: string;
  /** How events and errors name this instance: `session s1`, `catalog`. */
  label: string;
  /** The command for each (re)start of a stdio server. */
  launch?(): ServerLaunch | Promise<ServerLaunch>;
  /** Runs once the instance has stopped for good (e.g. to close its network filter). */
  onStopped?(): Promise<void>;
  /** Opens the transport for each (re)start instead of `launch` (a container server). */
  openTransport?(): Promise<OpenedTransport>;
  /** Values masked in the log file (the server's credentials). */
  secrets: readonly string[];
  /** The server's stderr is appended here. */
  logFile: string;
  startTimeoutMs: number;
  /** Delays before each restart after a crash; absent: never restarted automatically. */
  restartDelaysMs?: readonly number[];
  /** Up this long, a server's earlier crashes are forgotten (default 30 s). */
  stableAfterMs?: number;
  onStatus?(status: 'up' | 'down' | 'restarting', reason: string): void;
}

/** One MCP server process behind an MCP SDK client. */
export interface ManagedServer {
  readonly serverName: string;
  readonly status: ServerStatus;
  readonly pid: number | undefined;
  /** Set when the server is never started (a required credential is missing): why, and how to fix it. */
  readonly notStartedReason?: string | undefined;
  /** Starts the server if needed and returns its tools. */
  tools(): Promise<readonly LiveTool[]>;
  /** Whether the OS sandbox confines it (known once started). */
  isSandboxed(): boolean;
  /** Runs a tool; a protocol error the server answers becomes a tool error result. */
  callTool(name: string, args: Record<string, unknown>, timeoutMs: number): Promise<CallToolResult>;
  stop(reason: string): Promise<void>;
}

interface Connection {
  client: Client;
  pid: number | undefined;
  /** `pid 123`, `container 3f2a…`: how messages name it. */
  identity: string;
  tools: LiveTool[];
  startedAt: number;
  isClosing: boolean;
}

const clientInfo = { name: 'ironcurtain-mcp-gateway', version: '0.1.0' };

/**
 * Starts the server lazily (first `tools()`/`callTool()`), restarts it with backoff when it dies unexpectedly, and
 * fails a call in flight at that moment at once with SERVER_EXITED — never a hang. Its stderr goes to `logFile`
 * with the credentials masked.
 */
export function createManagedServer(options: ManagedServerOptions): ManagedServer {
  const { serverName, label } = options;
  let status: ServerStatus = 'stopped';
  let connection: Connection | undefined;
  let pending: Promise<Connection> | undefined;
  let connecting: Client | undefined;
  let failures = 0;
  let isStopped = false;
  let isSandboxed = false;
  let logStream: WriteStream | undefined;
  const restartAbort = new AbortController();

  const logSink = (): WriteStream => {
    if (logStream !== undefined) return logStream;
    mkdirSync(dirname(options.logFile), { recursive: true, mode: 0o700 });
    logStream = createWriteStream(options.logFile, { flags: 'a', mode: 0o600 });
    logStream.on('error', () => undefined); // a full disk must not take the gateway down
    return logStream;
  };

  const connect = async (): Promise<Connection> => {
    const opened = await openTransport(options);
    const { transport } = opened;
    isSandboxed = opened.isSandboxed;
    opened.stderr?.pipe(createSecretMaskingStream(options.secrets)).pipe(logSink(), { end: false });
    const client = new Client(clientInfo, { capabilities: {} });
    connecting = client;
    // Set before connecting: a process that dies right after listing its tools must still be noticed.
    let connected: Connection | undefined;
    let hasClosed = false;
    client.onclose = () => {
      hasClosed = true;
      if (connected !== undefined) handleClose(connected);
    };
    const deadline = Date.now() + options.startTimeoutMs;
    try {
      await client.connect(transport, { timeout: options.startTimeoutMs });
      const tools = await listAllTools(client, () => Math.max(1, deadline - Date.now()));
      if (hasClosed) throw new Error('the process exited right after starting');
      const identity = opened.describe();
      connected = { client, pid: opened.pid(), identity, tools, startedAt: Date.now(), isClosing: false };
      return connected;
    } catch (error) {
      await client.close().catch(() => undefined);
      throw new AppError(
        ErrorCode.Unavailable,
        `MCP server "${serverName}" (${label}) did not start: ${(error as Error).message}; its stderr is in ${options.logFile}`,
        { cause: error, retryable: true },
      );
    } finally {
      connecting = undefined;
    }
  };

  const startOnce = async (): Promise<Connection> => {
    if (status !== 'restarting') status = 'starting';
    let opened: Connection;
    try {
      opened = await connect();
    } catch (error) {
      failures += 1;
      if (isStopped) throw stoppedError();
      status = 'down';
      options.onStatus?.('down', `${label}: ${(error as Error).message}`);
      scheduleRestart();
      throw error;
    }
    if (isStopped) {
      await opened.client.close().catch(() => undefined);
      throw stoppedError();
    }
    connection = opened;
    status = 'up';
    options.onStatus?.('up', `${label}: started (${opened.identity}, ${opened.tools.length} tools)`);
    return opened;
  };

  const begin = (delayMs: number): Promise<Connection> => {
    const attempt = (async () => {
      if (delayMs > 0) {
        await sleep(delayMs, undefined, { signal: restartAbort.signal, ref: false }).catch(() => {
          throw stoppedError();
        });
      }
      return startOnce();
    })();
    pending = attempt;
    const clear = () => {
      if (pending === attempt) pending = undefined;
    };
    attempt.then(clear, clear);
    return attempt;
  };

  const scheduleRestart = (): void => {
    const delay = options.restartDelaysMs?.[failures - 1];
    if (isStopped || options.restartDelaysMs === undefined) return;
    if (delay === undefined) {
      options.onStatus?.(
        'down',
        `${label}: gave up after ${failures} failed starts; the next call tries again`,
      );
      failures = 0;
      return;
    }
    status = 'restarting';
    options.onStatus?.('restarting', `${label}: restarting in ${delay} ms (attempt ${failures})`);
    begin(delay).catch(() => undefined);
  };

  const handleClose = (closed: Connection): void => {
    if (connection !== closed) return;
    connection = undefined;
    if (isStopped || closed.isClosing) return;
    if (Date.now() - closed.startedAt >= (options.stableAfterMs ?? 30_000)) failures = 0;
    failures += 1;
    status = 'down';
    options.onStatus?.(
      'down',
      `${label}: ${closed.identity} exited unexpectedly; its stderr is in ${options.logFile}`,
    );
    scheduleRestart();
  };

  const ensureStarted = (): Promise<Connection> => {
    if (isStopped) return Promise.reject(stoppedError());
    if (connection !== undefined) return Promise.resolve(connection);
    return pending ?? begin(0);
  };

  const stoppedError = () =>
    new AppError(ErrorCode.Unavailable, `MCP server "${serverName}" (${label}) was stopped`, {
      retryable: true,
    });

  return {
    serverName,
    get status() {
      return status;
    },
    get pid() {
      return connection?.pid;
    },
    isSandboxed: () => isSandboxed,
    async tools() {
      return (await ensureStarted()).tools;
    },
    async callTool(name, args, timeoutMs) {
      const opened = await ensureStarted();
      try {
        return (await opened.client.callTool({ name, arguments: args }, undefined, {
          timeout: timeoutMs,
        })) as CallToolResult;
      } catch (error) {
        const failure = classifyCallError(error, {
          label,
          serverName,
          toolName: name,
          timeoutMs,
          wasStopped: isStopped || opened.isClosing,
        });
        if (failure.kind === 'error') throw failure.error;
        return { content: [{ type: 'text', text: failure.message }], isError: true };
      }
    },
    async stop(reason) {
      if (isStopped) return;
      isStopped = true;
      restartAbort.abort();
      const wasUp = connection !== undefined;
      const closing = connection;
      connection = undefined;
      await connecting?.close().catch(() => undefined);
      if (closing !== undefined) {
        closing.isClosing = true;
        await closing.client.close().catch(() => undefined);
      }
      status = 'stopped';
      logStream?.end();
      await options.onStopped?.();
      if (wasUp) options.onStatus?.('down', `${label}: stopped (${reason})`);
    },
  };
}

function openTransport(options: ManagedServerOptions): Promise<OpenedTransport> {
  if (options.openTransport !== undefined) return options.openTransport();
  if (options.launch === undefined)
    throw new Error(`server ${options.serverName} has neither launch nor openTransport`);
  return Promise.resolve(options.launch()).then(openStdioTransport);
}

async function listAllTools(client: Client, remainingMs: () => number): Promise<LiveTool[]> {
  const tools: LiveTool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout: remainingMs() });
    for (const tool of page.tools) {
      tools.push({ name: tool.name, description: tool.description, inputSchema: tool.inputSchema });
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return tools;
}
