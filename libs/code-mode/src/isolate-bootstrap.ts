/**
 * The JavaScript that runs in each fresh context before the agent's code. It receives the bridge as closure
 * arguments, so agent code never sees a Reference or a host function:
 *   $0 — Reference to the host's tool call function (server, tool, argumentsJson) → Promise<replyJson>
 *   $1 — sync callback (level, text) for console lines
 *   $2 — sync callback (topic, name) → replyJson for help.help() and __getToolInterface()
 *   $3 — the server/tool layout (copied data)
 * It installs `console`, one namespace per server, `help` and `__getToolInterface`, removes what agent code
 * never needs (WebAssembly, SharedArrayBuffer, Atomics: less engine surface, no thread-blocking waits), and
 * returns `settle`, which turns the completion value into `{ status, … }` data for the host.
 *
 * Intrinsics are captured up front so agent code that replaces `JSON` or `String` only confuses itself; the host
 * checks everything that crosses the boundary anyway.
 */
export const isolateBootstrapSource = String.raw`
'use strict';
const toolBridge = $0, writeConsole = $1, describe = $2, layout = $3;
const { stringify, parse } = JSON;
const { create, defineProperty, freeze } = Object;
const isArray = Array.isArray;
const ErrorClass = Error, TypeErrorClass = TypeError, StringOf = String;
// Captured as values: a later Function.prototype.call or Reflect.apply from agent code is never consulted, so
// the Reference is never handed to agent code.
const reflectApply = Reflect.apply;
const applySyncPromise = toolBridge.applySyncPromise;
const callBridge = (...args) => reflectApply(applySyncPromise, toolBridge, [undefined, args]);

const firstAgentFrame = (stack) => {
  const match = typeof stack === 'string' ? /agent\.js:\d+:\d+/.exec(stack) : null;
  return match === null ? undefined : match[0];
};
const describeThrown = (error) => {
  try {
    if (error instanceof ErrorClass) {
      return { name: StringOf(error.name), message: StringOf(error.message), at: firstAgentFrame(error.stack) };
    }
    return { name: 'Uncaught', message: format(error) };
  } catch {
    return { name: 'Uncaught', message: 'a value that cannot be printed' };
  }
};
const format = (value) => {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return '[Function ' + (value.name || 'anonymous') + ']';
  if (typeof value === 'bigint') return StringOf(value) + 'n';
  if (typeof value === 'symbol') return value.toString();
  if (value instanceof ErrorClass) {
    const frame = firstAgentFrame(value.stack);
    return StringOf(value.name) + ': ' + StringOf(value.message) + (frame === undefined ? '' : ' (at ' + frame + ')');
  }
  try {
    const text = stringify(value);
    return text === undefined ? StringOf(value) : text;
  } catch {
    try { return StringOf(value); } catch { return '[unprintable]'; }
  }
};

const consoleMethod = (level) => (...values) => {
  let line = '';
  for (let index = 0; index < values.length; index += 1) line += (index === 0 ? '' : ' ') + format(values[index]);
  writeConsole(level, line);
};
const agentConsole = freeze({
  log: consoleMethod('log'), info: consoleMethod('info'), debug: consoleMethod('debug'),
  warn: consoleMethod('warn'), error: consoleMethod('error'),
});

const invokeTool = (serverName, toolName, label, args) => {
  const given = args === undefined ? {} : args;
  if (given === null || typeof given !== 'object' || isArray(given)) {
    throw new TypeErrorClass(label + ' takes one object of arguments, e.g. ' + label + '({ ... })');
  }
  let argumentsJson;
  try {
    argumentsJson = stringify(given);
  } catch (error) {
    const reason = error instanceof ErrorClass ? StringOf(error.message) : format(error);
    throw new TypeErrorClass(label + ': the arguments must be JSON data (' + reason + ')');
  }
  const reply = parse(callBridge(serverName, toolName, argumentsJson));
  if (reply.ok) return reply.text;
  const error = new ErrorClass(reply.message);
  throw error;
};

const answer = (topic, name) => {
  const reply = parse(describe(topic, name));
  if (reply.ok) return reply.text;
  throw new ErrorClass(reply.message);
};

const install = (name, value) => {
  defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
};
for (const name of ['WebAssembly', 'SharedArrayBuffer', 'Atomics']) delete globalThis[name];
install('console', agentConsole);
install('help', freeze({ help: (serverName) => answer('server', serverName === undefined ? '' : StringOf(serverName)) }));
install('__getToolInterface', (name) => answer('interface', StringOf(name)));
for (const server of layout) {
  const namespace = create(null);
  for (const tool of server.tools) {
    const label = server.name + '.' + tool.name;
    const fn = (args) => invokeTool(server.name, tool.name, label, args);
    defineProperty(fn, 'name', { value: tool.name });
    defineProperty(namespace, tool.name, { value: fn, enumerable: true });
    if (tool.alias !== undefined) defineProperty(namespace, tool.alias, { value: fn, enumerable: false });
  }
  freeze(namespace);
  install(server.name, namespace);
  if (server.alias !== undefined) install(server.alias, namespace);
}

return async (completion) => {
  try {
    const value = await completion;
    if (value === undefined) return { status: 'value' };
    return { status: 'value', text: format(value) };
  } catch (error) {
    return { status: 'thrown', ...describeThrown(error) };
  }
};
`;
