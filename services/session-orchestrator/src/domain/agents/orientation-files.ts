import { containerPaths } from './agent-adapter.js';

/** The name every agent knows IronCurtain's MCP server by; Claude Code calls its tools `mcp__ironcurtain__<tool>`. */
export const mcpServerName = 'ironcurtain';

/** The shape of `/etc/ironcurtain/mcp.json`: the `mcpServers` format Claude Code and most MCP clients read. */
export interface McpClientConfig {
  readonly mcpServers: Readonly<
    Record<string, { readonly command: string; readonly args: readonly string[] }>
  >;
}

/**
 * The content of `/etc/ironcurtain/mcp.json`: one stdio server, `ironcurtain`, that is `socat` joining the agent's
 * stdio to the gateway's per-session socket. Each connection to the socket is one MCP session.
 */
export function mcpClientConfig(): McpClientConfig {
  return {
    mcpServers: {
      [mcpServerName]: {
        command: 'socat',
        args: ['STDIO', `UNIX-CONNECT:${containerPaths.mcpSocket}`],
      },
    },
  };
}

/**
 * The content of `/etc/ironcurtain/system-prompt.md`, appended to the agent's own system prompt. It tells the model
 * what the container cannot show it: that the MCP tools are its only way to act, that each call is checked against
 * the user's policy, and that a denial is an answer to report, not an obstacle to work around.
 */
export function systemPrompt(): string {
  const workspace = containerPaths.workspace;
  return [
    '# Working under IronCurtain',
    '',
    `- You work in \`${workspace}\`: the user's files are there, and paths you pass to tools are under it.`,
    `- Your only tools for files, git and the web are the \`${mcpServerName}\` MCP tools (named`,
    '  `<server>__<tool>`, e.g. `filesystem__write_file`, `git__git_push`, `fetch__http_fetch`).',
    "- Every tool call is checked against the user's policy. Some need the user's approval: such a call waits",
    '  until they answer.',
    '- A tool error starting with `DENIED:` or `ESCALATION DENIED:` is the policy (or the user) refusing that',
    '  action. Do not retry it another way or work around it: tell the user what was refused and why.',
    '- There is no network besides the connection to the language model: reach the web only through the',
    `  \`${mcpServerName}\` fetch tools.`,
    '',
  ].join('\n');
}
