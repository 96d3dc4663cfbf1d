import { containerPaths } from './agent-adapter.js';
import { mcpServerName } from './orientation-files.js';

/** The id of the model provider Codex's config declares: OpenAI's Responses API, reached through the egress. */
export const codexProviderId = 'ironcurtain-openai';

/** The environment variable Codex reads the provider's key from (the session's sentinel, never a real key). */
export const codexApiKeyVariable = 'OPENAI_API_KEY';

/** What one session's Codex config says. */
export interface CodexConfigInput {
  /** The model; Codex's own default when absent. */
  readonly model?: string | undefined;
  /** IronCurtain's orientation, given to the model as developer instructions. */
  readonly developerInstructions: string;
  /** The stdio command of IronCurtain's MCP server. */
  readonly mcpServer: { readonly command: string; readonly args: readonly string[] };
}

/**
 * Codex's `config.toml` for an agent container (Codex 0.171): the Responses API at api.openai.com with the key from
 * OPENAI_API_KEY (so no login, and no ChatGPT account endpoints), the `ironcurtain` MCP server as the only way to act,
 * and everything else that would reach past the egress or around the policy turned off.
 */
export function codexConfigToml(input: CodexConfigInput): string {
  const lines = [
    '# Written by IronCurtain when the session started (docs/AGENT-CONTAINERS.md).',
    `model_provider = ${tomlString(codexProviderId)}`,
    ...(input.model === undefined ? [] : [`model = ${tomlString(input.model)}`]),
    // Nothing is ever asked of a person in the container: the policy behind the MCP server decides, and Codex's own
    // tools that could write (apply_patch) are refused by the read-only sandbox instead of prompting.
    'approval_policy = "never"',
    'sandbox_mode = "read-only"',
    'check_for_update_on_startup = false',
    'web_search = "disabled"',
    `developer_instructions = ${tomlString(input.developerInstructions)}`,
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[feedback]',
    'enabled = false',
    '',

    // Off: the shell and image viewer (they would read and run in /workspace around the policy), ChatGPT apps and
    // plugins (they call chatgpt.com and github.com), hosted tools, hooks, in-app updates, the TUI's app-server
    // daemon (a copy of the binary in CODEX_HOME, left running), and endless reconnects (an unreachable egress fails
    // the turn after 5 retries instead of holding the container forever).
    '[features]',
    ...[
      'shell_tool',
      'view_image',
      'apps',
      'plugins',
      'remote_plugin',
      'image_generation',
      'browser_use',
      'computer_use',
      'hooks',
      'goals',
      'in_app_updates',
      'unbounded_connection_retries',
      'daemon_auto_start',
    ].map((feature) => `${feature} = false`),
    '',
    `[model_providers.${codexProviderId}]`,
    'name = "OpenAI through IronCurtain"',
    'base_url = "https://api.openai.com/v1"',
    `env_key = ${tomlString(codexApiKeyVariable)}`,
    'wire_api = "responses"',
    '',
    `[mcp_servers.${mcpServerName}]`,
    `command = ${tomlString(input.mcpServer.command)}`,
    `args = [${input.mcpServer.args.map(tomlString).join(', ')}]`,
    'default_tools_approval_mode = "approve"',
    // A call may wait for a person to answer an escalation.
    'tool_timeout_sec = 3600',
    '',
    // Untrusted: Codex then ignores a `.codex/` config (MCP servers, features, hooks) planted in the workspace.
    `[projects.${tomlString(containerPaths.workspace)}]`,
    'trust_level = "untrusted"',
    '',
  ];
  return lines.join('\n');
}

/**
 * A TOML basic string. JSON's escapes are TOML's, except that TOML also forbids a raw DEL and any escaped surrogate
 * (JSON.stringify writes a lone surrogate as `\udXXX`): those become U+FFFD.
 */
export function tomlString(value: string): string {
  const wellFormed = value.toWellFormed();
  return JSON.stringify(wellFormed).replaceAll('\u007f', '\\u007F');
}
