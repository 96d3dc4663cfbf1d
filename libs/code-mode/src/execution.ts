import ivm from 'isolated-vm';
import type { ExecutionError, ExecutionResult, ToolCall, ToolCallOutcome } from './code-runner.js';
import { ConsoleCapture, type ConsoleLevel } from './console-capture.js';
import { isolateBootstrapSource } from './isolate-bootstrap.js';
import { findTool, type ServerBinding, type ToolCatalog } from './tool-catalog.js';
import type { HelpAnswer, ToolHelp } from './tool-help.js';
import { truncateHeadTail } from './truncate-text.js';

/** Everything one execution needs, fixed per runner. */
export interface ExecutionSettings {
  readonly catalog: ToolCatalog;
  readonly bindings: readonly ServerBinding[];
  readonly help: ToolHelp;
  readonly callTool: (call: ToolCall) => Promise<ToolCallOutcome>;
  readonly memoryLimitMb: number;
  readonly timeLimitMs: number;
  readonly maxResultBytes: number;
}

/** What the bootstrap's `settle` hands back: the completion value as text, or what was thrown. */
type Settled =
  { status: 'value'; text?: string } | { status: 'thrown'; name: string; message: string; at?: string };

type BridgeReply = { ok: true; text: string } | { ok: false; message: string };

/** A SyntaxError from compiling the agent's code (not one thrown while running it). */
class CompileFailure extends Error {}

/** Runs one piece of agent code in a fresh isolate and always comes back with a result. */
export async function runExecution(code: string, settings: ExecutionSettings): Promise<ExecutionResult> {
  const execution = new Execution(settings);
  let settled: Settled | undefined;
  let error: ExecutionError | undefined;
  try {
    settled = await execution.run(code);
  } catch (caught) {
    error = execution.classify(caught);
  } finally {
    execution.end();
  }
  return execution.report(settled, error);
}

class Execution {
  readonly #settings: ExecutionSettings;
  readonly #isolate: ivm.Isolate;
  readonly #abort = new AbortController();
  readonly #console: ConsoleCapture;
  readonly #startedAt = performance.now();
  readonly #deadline: Promise<never>;
  #timer: NodeJS.Timeout | undefined;
  #isDeadlineExceeded = false;
  #syncTimeoutAt = Number.POSITIVE_INFINITY;
  #toolCalls = 0;

  constructor(settings: ExecutionSettings) {
    this.#settings = settings;
    this.#console = new ConsoleCapture(settings.maxResultBytes);
    this.#isolate = new ivm.Isolate({ memoryLimit: settings.memoryLimitMb });
    // The isolate's own timeout only counts time spent running JavaScript, not time blocked on a tool call, so
    // the wall-clock limit is enforced here: dispose the isolate, which ends whatever it is doing.
    this.#deadline = new Promise<never>((_resolve, reject) => {
      this.#timer = setTimeout(() => {
        this.#isDeadlineExceeded = true;
        this.end();
        reject(new Error('deadline'));
      }, settings.timeLimitMs);
    });
    this.#deadline.catch(() => undefined);
  }

  async run(code: string): Promise<Settled> {
    const context = await this.#beforeDeadline(this.#isolate.createContext());
    const settle = await this.#beforeDeadline(this.#installBridge(context));
    const script = await this.#beforeDeadline(compileAgentCode(this.#isolate, code));
    const runTimeout = this.#remainingMs();
    this.#syncTimeoutAt = performance.now() + runTimeout;
    const completion = await this.#beforeDeadline(
      script.run(context, { timeout: runTimeout, reference: true }),
    );
    const settled: unknown = await this.#beforeDeadline(
      settle.apply(undefined, [completion.derefInto()], {
        timeout: this.#remainingMs(),
        result: { promise: true, copy: true },
      }),
    );
    return checkedSettled(settled);
  }

  /** Stops the clock and the isolate; pending and later tool calls are refused. Safe to call twice. */
  end(): void {
    clearTimeout(this.#timer);
    this.#abort.abort();
    if (!this.#isolate.isDisposed) this.#isolate.dispose();
  }

  classify(error: unknown): ExecutionError {
    const seconds = this.#settings.timeLimitMs / 1000;
    const timeout: ExecutionError = {
      kind: 'timeout',
      message: `The code ran past the time limit of ${seconds} s (time spent waiting on tool calls included) and was stopped.`,
    };
    if (this.#isDeadlineExceeded) return timeout;
    if (error instanceof CompileFailure) return { kind: 'syntax', message: error.message };
    if (this.#isolate.isDisposed) {
      return {
        kind: 'memory',
        message: `The code used more than the memory limit of ${this.#settings.memoryLimitMb} MB and was stopped.`,
      };
    }
    const message = error instanceof Error ? error.message : String(error);
    // Only believe the engine's timeout message once its timeout can really have fired.
    const isEngineTimeout =
      message === 'Script execution timed out.' && performance.now() >= this.#syncTimeoutAt - 5;
    if (isEngineTimeout) return timeout;
    return { kind: 'thrown', message: thrownMessage(error) };
  }

  report(settled: Settled | undefined, error: ExecutionError | undefined): ExecutionResult {
    const durationMs = Math.round((performance.now() - this.#startedAt) * 100) / 100;
    const base = { console: this.#console.lines(), toolCalls: this.#toolCalls, durationMs };
    if (error !== undefined || settled === undefined || settled.status === 'thrown') {
      const failure = error ?? thrownFromSettled(settled);
      // Agent code chooses its error messages, so they get the same budget as a result.
      const message = truncateHeadTail(failure.message, this.#settings.maxResultBytes);
      const truncated = message.isTruncated || this.#console.isTruncated;
      return { ...base, ok: false, error: { kind: failure.kind, message: message.text }, truncated };
    }
    if (settled.text === undefined) return { ...base, ok: true, truncated: this.#console.isTruncated };
    const result = truncateHeadTail(settled.text, this.#settings.maxResultBytes);
    return {
      ...base,
      ok: true,
      result: result.text,
      truncated: result.isTruncated || this.#console.isTruncated,
    };
  }

  async #installBridge(context: ivm.Context): Promise<ivm.Reference> {
    const toolBridge = new ivm.Reference((serverName: unknown, toolName: unknown, argumentsJson: unknown) =>
      this.#callTool(serverName, toolName, argumentsJson),
    );
    const writeConsole = new ivm.Callback((level: ConsoleLevel, text: unknown) => {
      this.#console.add(level, String(text));
    });
    const describe = new ivm.Callback((topic: unknown, name: unknown) =>
      JSON.stringify(this.#describe(topic, String(name))),
    );
    const layout = new ivm.ExternalCopy(this.#settings.bindings).copyInto({ release: true });
    return context.evalClosure(isolateBootstrapSource, [toolBridge, writeConsole, describe, layout], {
      result: { reference: true },
    }) as Promise<ivm.Reference>;
  }

  #describe(topic: unknown, name: string): HelpAnswer {
    if (topic === 'interface') return this.#settings.help.toolInterface(name);
    return name === ''
      ? { ok: true, text: this.#settings.help.overview() }
      : this.#settings.help.server(name);
  }

  async #callTool(serverName: unknown, toolName: unknown, argumentsJson: unknown): Promise<string> {
    this.#toolCalls += 1;
    return JSON.stringify(await this.#toolReply(serverName, toolName, argumentsJson));
  }

  // Never rejects: a rejection would carry a host error's message into the isolate.
  async #toolReply(serverName: unknown, toolName: unknown, argumentsJson: unknown): Promise<BridgeReply> {
    if (typeof serverName !== 'string' || typeof toolName !== 'string' || typeof argumentsJson !== 'string') {
      return { ok: false, message: 'ERROR: malformed tool call.' };
    }
    const label = `${serverName}.${toolName}`;
    if (findTool(this.#settings.catalog, serverName, toolName) === undefined) {
      return {
        ok: false,
        message: `ERROR: there is no tool ${label} in this session; help.help() lists them.`,
      };
    }
    const parsedArguments = parseArguments(argumentsJson);
    if (parsedArguments === undefined)
      return { ok: false, message: `ERROR: ${label} takes one object of arguments.` };
    if (this.#abort.signal.aborted) return { ok: false, message: 'ERROR: the execution has ended.' };
    try {
      const call = { serverName, toolName, arguments: parsedArguments, signal: this.#abort.signal };
      const outcome = await this.#settings.callTool(call);
      if (outcome.ok) return { ok: true, text: typeof outcome.text === 'string' ? outcome.text : '' };
      return { ok: false, message: String(outcome.message) };
    } catch {
      return {
        ok: false,
        message: `ERROR: ${label} failed inside IronCurtain before an answer came back. This is not a policy decision; trying again may work.`,
      };
    }
  }

  #remainingMs(): number {
    return Math.max(1, Math.ceil(this.#startedAt + this.#settings.timeLimitMs - performance.now()));
  }

  #beforeDeadline<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined);
    return Promise.race([work, this.#deadline]);
  }
}

async function compileAgentCode(isolate: ivm.Isolate, code: string): Promise<ivm.Script> {
  try {
    return await isolate.compileScript(code, { filename: 'agent.js' });
  } catch (error) {
    if (!isSyntaxError(error)) throw error;
    // Top-level `return` or `await`: run the code as the body of an async function instead.
    if (!/Illegal return statement|await is only valid/.test(error.message))
      throw new CompileFailure(error.message);
    try {
      return await isolate.compileScript(`(async () => {\n${code}\n})()`, {
        filename: 'agent.js',
        lineOffset: -1,
      });
    } catch (wrappedError) {
      throw isSyntaxError(wrappedError) ? new CompileFailure(wrappedError.message) : wrappedError;
    }
  }
}

function isSyntaxError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'SyntaxError';
}

function parseArguments(argumentsJson: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(argumentsJson);
    const isPlainObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    return isPlainObject ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function checkedSettled(value: unknown): Settled {
  const settled = value as Partial<Settled> | null;
  if (settled?.status === 'value' && (settled.text === undefined || typeof settled.text === 'string')) {
    return settled as Settled;
  }
  if (settled?.status === 'thrown' && typeof settled.message === 'string') return settled as Settled;
  return { status: 'thrown', name: 'Error', message: 'the result could not be read' };
}

function thrownFromSettled(settled: Settled | undefined): ExecutionError {
  if (settled?.status !== 'thrown') return { kind: 'thrown', message: 'the code failed' };
  return { kind: 'thrown', message: joinThrown(settled.name, settled.message, settled.at) };
}

/** `TypeError: x is not a function (at agent.js:3:5)`; a plain Error shows its message alone. */
function thrownMessage(error: unknown): string {
  if (!(error instanceof Error)) return `Uncaught: ${String(error)}`;
  if (error.message.startsWith('An object was thrown from supplied code within isolated-vm')) {
    return 'The code threw a value that is not an Error; throw new Error("…") to give a message.';
  }
  const at = /agent\.js:\d+:\d+/.exec(error.stack ?? '')?.[0];
  return joinThrown(error.name, error.message, at);
}

function joinThrown(name: string, message: string, at: string | undefined): string {
  const prefix = name === 'Error' || name === '' ? '' : `${name}: `;
  return `${prefix}${message}${at === undefined ? '' : ` (at ${at})`}`;
}
