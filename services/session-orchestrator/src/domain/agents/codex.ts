import {
  containerPaths,
  type AgentAdapter,
  type AgentSessionFacts,
  type AgentTurn,
} from './agent-adapter.js';
import { codexApiKeyVariable, codexConfigToml } from './codex-config.js';
import { parseCodexRun } from './codex-output.js';
import { mcpClientConfig, mcpServerName, systemPrompt } from './orientation-files.js';

/** The version of `@openai/codex` the image pins and this adapter was verified against. */
export const codexVersion = '0.171.0';

const codexHome = `${containerPaths.home}/.codex`;

// Options of every run. `--skip-git-repo-check`: /workspace need not be a git repository. `--strict-config`: a
// setting this Codex does not know (say, a renamed switch that keeps its shell off) stops the run instead of being
// ignored. `--` ends the options, so a message that starts with `-` or reads `resume` stays the prompt.
const batchOptions = ['--json', '--skip-git-repo-check', '--strict-config'] as const;

/**
 * OpenAI's Codex CLI (`@openai/codex`, a Rust binary) on the Responses API. Its state folder is CODEX_HOME
 * (`/home/agent/.codex`): `config.toml` written at the session's start, and the conversations (`sessions/`) that
 * later turns resume with `codex exec resume --last`. Its HTTPS goes through HTTPS_PROXY and trusts the session CA
 * through SSL_CERT_FILE (the bundle the init script writes); its key is the session's OpenAI sentinel.
 */
export const codexAdapter: AgentAdapter = {
  name: 'codex',
  displayName: 'Codex',
  imageFolder: 'codex',
  provider: 'openai',
  statePath: codexHome,
  environment(facts: AgentSessionFacts): Record<string, string> {
    return {
      CODEX_HOME: codexHome,
      [codexApiKeyVariable]: facts.sentinel,
    };
  },
  stateFiles(facts: AgentSessionFacts): Record<string, string> {
    const server = mcpClientConfig().mcpServers[mcpServerName];
    if (server === undefined) throw new Error(`mcp.json has no \`${mcpServerName}\` server`);
    const config = codexConfigToml({
      model: facts.model,
      developerInstructions: systemPrompt(),
      mcpServer: server,
    });
    return { 'config.toml': config };
  },
  batchCommand(turn: AgentTurn): string[] {
    if (turn.isResume) return ['codex', 'exec', 'resume', '--last', ...batchOptions, '--', turn.message];
    return ['codex', 'exec', ...batchOptions, '--', turn.message];
  },
  // The TUI opens on "Folder access: Open restricted" (Enter): /workspace is untrusted on purpose, see codex-config.
  interactiveCommand(task: string | undefined): string[] {
    return task === undefined ? ['codex', '--strict-config'] : ['codex', '--strict-config', '--', task];
  },
  parseBatchOutput: parseCodexRun,
};
