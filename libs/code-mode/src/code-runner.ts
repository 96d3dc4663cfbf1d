import { AppError, ErrorCode } from '@ironcurtain/errors';
import { runExecution, type ExecutionSettings } from './execution.js';
import { reservedGlobalNames } from './reserved-globals.js';
import { bindCatalog, type ToolCatalog } from './tool-catalog.js';
import { ToolHelp } from './tool-help.js';

/** One call agent code made to a tool function, for the host to send on (as `pdp.toolcall.v1`). */
export interface ToolCall {
  readonly serverName: string;
  readonly toolName: string;
  /** The arguments as JSON data, parsed afresh on the host: never an object from the isolate. */
  readonly arguments: Record<string, unknown>;
  /** Aborted when the execution ends (time limit, memory limit, finished) while the call is still pending. */
  readonly signal: AbortSignal;
}

/**
 * What a tool call came to. `text` is what the tool function returns inside the isolate; `content` (the MCP
 * content blocks) is for the host's own records and does not enter the isolate. `ok: false` is a denial or a
 * failure: agent code gets an Error whose message is `message` (`DENIED: …` for a policy denial).
 */
export type ToolCallOutcome =
  | { readonly ok: true; readonly text: string; readonly content?: readonly unknown[] }
  | { readonly ok: false; readonly message: string };

/** Options for {@link createCodeRunner}. */
export interface CodeRunnerOptions {
  /** The servers and tools agent code may call (a `mcpgw.catalog.v1` reply fits). */
  readonly tools: ToolCatalog;
  /**
   * Carries one tool call out, e.g. as a `pdp.toolcall.v1` request. It should turn every failure into
   * `{ ok: false, message }`; if it rejects anyway, agent code gets a generic error and never the host's message.
   */
  readonly callTool: (call: ToolCall) => Promise<ToolCallOutcome>;
  /** Heap limit of each execution's isolate in MB (default 128, at least 8). */
  readonly memoryLimitMb?: number;
  /** Wall-clock limit of one execution in ms, waiting on tool calls included (default 300 000). */
  readonly timeLimitMs?: number;
  /** Byte budget of the result, and separately of the console lines (default 100 KiB, at least 1024). */
  readonly maxResultBytes?: number;
}

/** Why an execution failed. */
export type ExecutionErrorKind = 'timeout' | 'memory' | 'thrown' | 'syntax';

/** An execution's failure, with a message written for the model. */
export interface ExecutionError {
  readonly kind: ExecutionErrorKind;
  readonly message: string;
}

interface ExecutionReport {
  /** Captured console lines (`[warn] …`, `[error] …` for those levels), within `maxResultBytes`. */
  readonly console: string[];
  /** Calls that reached the host from tool functions, denied ones included. */
  readonly toolCalls: number;
  /** True when the result or the console output was cut to `maxResultBytes`. */
  readonly truncated: boolean;
  readonly durationMs: number;
}

/**
 * The outcome of one `execute`. `result` is the value of the code: the value of its last expression statement
 * (like `eval`), or, when the code uses top-level `return` or `await`, what it returns. A string comes back as it
 * is, anything else as compact JSON (or `String(value)` when JSON cannot hold it); `undefined` gives no result.
 */
export type ExecutionResult =
  | (ExecutionReport & { readonly ok: true; readonly result?: string })
  | (ExecutionReport & { readonly ok: false; readonly error: ExecutionError });

/** Runs agent code, one fresh isolate per execution. */
export interface CodeRunner {
  /** Runs `code` to completion or to a limit; never throws for anything the code does. */
  execute(code: string): Promise<ExecutionResult>;
}

const defaults = { memoryLimitMb: 128, timeLimitMs: 300_000, maxResultBytes: 100 * 1024 };

/**
 * Creates a Code Mode runner over a tool catalog. Each `execute` gets its own new isolate (memory limit) and
 * context with the tool namespaces, `console`, `help` and `__getToolInterface`, and disposes it afterwards, so
 * an infinite loop, a memory bomb or a thrown error ends that execution only. Throws `CONFIG_INVALID` for limits
 * out of range or a server name that would shadow a JavaScript global.
 */
export function createCodeRunner(options: CodeRunnerOptions): CodeRunner {
  const bindings = bindCatalog(options.tools, reservedGlobalNames());
  const settings: ExecutionSettings = {
    catalog: options.tools,
    bindings,
    help: new ToolHelp(options.tools, bindings),
    callTool: options.callTool,
    memoryLimitMb: checkedLimit('memoryLimitMb', options.memoryLimitMb ?? defaults.memoryLimitMb, 8, 65_536),
    timeLimitMs: checkedLimit('timeLimitMs', options.timeLimitMs ?? defaults.timeLimitMs, 1, 2_147_483_647),
    maxResultBytes: checkedLimit(
      'maxResultBytes',
      options.maxResultBytes ?? defaults.maxResultBytes,
      1024,
      2 ** 30,
    ),
  };
  return { execute: (code) => runExecution(code, settings) };
}

function checkedLimit(name: string, value: number, minimum: number, maximum: number): number {
  if (Number.isInteger(value) && value >= minimum && value <= maximum) return value;
  throw new AppError(
    ErrorCode.ConfigInvalid,
    `Code Mode option ${name} must be an integer from ${minimum} to ${maximum}; got ${String(value)}.`,
  );
}
