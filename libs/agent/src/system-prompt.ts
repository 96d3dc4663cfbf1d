import type { ToolCatalog } from '@ironcurtain/code-mode';

/** Options for {@link buildSystemPrompt}. */
export interface SystemPromptOptions {
  /** The servers and tools of the session (names are listed; the code discovers details through the help). */
  readonly catalog: ToolCatalog;
  /** Extra instructions appended at the end (e.g. the user's standing preferences). */
  readonly extraInstructions?: string;
  /** Where the session's files live, as the tools see it (e.g. `/sandbox`), when known. */
  readonly sandboxPath?: string;
}

const basePrompt = `You are an assistant working inside IronCurtain, a runtime that checks every action you take \
against a security policy that the user wrote.

How you act
- You have exactly one tool: execute_code({ code }). The code is plain JavaScript (not TypeScript). It runs in an \
isolated sandbox that has the JavaScript language and nothing else: no require or import, no process, no network, \
no timers, no filesystem. The only way to reach the outside world is through the tool functions described below.
- Each MCP server is a global object and each of its tools is a synchronous function on it that takes one object \
of arguments and returns the tool's text output, for example: const text = filesystem.read_file({ path: 'notes.md' }). \
When a tool answers JSON, JSON.parse the text.
- The value of the last expression (or what top-level code returns) comes back to you as the result; console.log \
lines come back too. Nothing persists between executions: keep what you need in the code you send.
- Each execution has limits on time, memory and output size. Ask for what you need (filter, slice, count) rather \
than printing large data.
- Do as much as you can in one execution: read, compute and write in a single piece of code instead of one small \
step per call. Every execution costs a round trip and counts against the session's budget.

Finding tools
- help.help() lists every server and tool with a one-line description.
- help.help('server') lists one server's tools with their argument types.
- __getToolInterface('server.tool') shows the full interface of one tool, with argument descriptions.
Look a tool up before you call it for the first time instead of guessing its arguments.

The policy
- Every tool call is checked against the user's policy before it runs. It is allowed, denied, or held for a human \
to approve (the call then waits for the answer).
- A denied call throws an Error whose message starts with "DENIED:". Do not try the same call again, and do not \
look for another way around the denial (another tool, another path, another encoding): the policy is the user's \
decision. Tell the user what was denied and why, and what they could change if they want it to happen.
- The same applies to approvals that were refused.

Finishing
- When the task is done, or cannot be done within the policy, answer the user in plain text with what you did, \
what you found, and anything that was denied. Keep the answer short and concrete.
- If a tool result says that your executions are repeating or that no more executions will run, stop calling \
execute_code and write your summary.`;

/**
 * Builds the system prompt of the builtin Code Mode agent: what the sandbox is, that every call is checked against
 * the policy (denials are explained to the user, never retried), how to discover tools (`help.help()`,
 * `help.help('server')`, `__getToolInterface('server.tool')`), to batch work in one execution, and the names of the
 * session's servers and tools.
 */
export function buildSystemPrompt(options: SystemPromptOptions): string {
  const parts = [basePrompt, toolListing(options.catalog)];
  if (options.sandboxPath !== undefined) {
    parts.push(`The session's working directory is ${options.sandboxPath}; keep files there.`);
  }
  const extra = options.extraInstructions?.trim();
  if (extra !== undefined && extra !== '') parts.push(`Additional instructions\n${extra}`);
  return parts.join('\n\n');
}

function toolListing(catalog: ToolCatalog): string {
  if (catalog.servers.length === 0) {
    return 'Available servers: none. This session has no tools; answer from what you know.';
  }
  const lines = catalog.servers.map((server) => {
    const tools = server.tools.map((tool) => tool.name).join(', ');
    return `- ${server.name}: ${tools === '' ? '(no tools)' : tools}`;
  });
  return `Available servers and their tools (use help.help('server') for arguments):\n${lines.join('\n')}`;
}
