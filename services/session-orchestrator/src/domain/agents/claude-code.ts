import {
  containerPaths,
  type AgentAdapter,
  type AgentRunResult,
  type AgentSessionFacts,
  type AgentTurn,
} from './agent-adapter.js';
import { mcpServerName } from './orientation-files.js';

/** The container paths the adapter names in files and command lines; tests on the host pass host folders instead. */
export type ClaudeCodePaths = {
  readonly [key in 'workspace' | 'caCertificate' | 'mcpClientConfig' | 'systemPrompt' | 'home']: string;
};

/** The version of `@anthropic-ai/claude-code` the image pins and this adapter was verified against. */
export const claudeCodeVersion = '2.1.331';

/**
 * Claude Code's own flags, the same in batch and interactive runs:
 * - the only MCP server is IronCurtain's (`--strict-mcp-config` ignores a `.mcp.json` in the workspace);
 * - no built-in tools (`--tools ""`): Bash, Read, Edit… would act on /workspace without a policy check, so files,
 *   git and the web go through the MCP tools only, as for the builtin agent (WebFetch/WebSearch are also denied by
 *   name, in case a later version adds them back to the set);
 * - settings only from the agent-state folder (`--setting-sources user`): project settings in /workspace could add
 *   hooks, which run commands (verified with 2.1.331: a UserPromptSubmit hook ran under the default sources);
 * - `dontAsk` with the MCP server allowed: IronCurtain's policy decides each call, nothing prompts in the terminal,
 *   and unlike bypassPermissions it works under any uid (bypassPermissions refuses root).
 */
function commonFlags(paths: ClaudeCodePaths): string[] {
  return [
    '--mcp-config',
    paths.mcpClientConfig,
    '--strict-mcp-config',
    '--append-system-prompt-file',
    paths.systemPrompt,
    '--setting-sources',
    'user',
    '--permission-mode',
    'dontAsk',
    '--allowedTools',
    `mcp__${mcpServerName}`,
    '--tools',
    '',
    '--disallowedTools',
    'WebFetch,WebSearch',
  ];
}

/**
 * `~/.claude.json` seeded so neither the first-run onboarding nor the workspace trust dialog nor the "use this API
 * key?" question appears in the TUI (the last is answered by the key's last 20 characters, as Claude Code stores it).
 */
function globalConfig(paths: ClaudeCodePaths, facts: AgentSessionFacts): Record<string, unknown> {
  return {
    hasCompletedOnboarding: true,
    lastOnboardingVersion: claudeCodeVersion,
    theme: 'dark',
    autoUpdates: false,
    customApiKeyResponses: { approved: [facts.sentinel.trim().slice(-20)], rejected: [] },
    projects: {
      [paths.workspace]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true },
    },
  };
}

/**
 * User settings (the only source read): the same permissions as the flags, for runs started by hand, and auto mode
 * off, since it would approve calls by its own judgement and offers itself in a dialog at start.
 */
function userSettings(): Record<string, unknown> {
  return {
    permissions: {
      allow: [`mcp__${mcpServerName}`],
      deny: ['WebFetch', 'WebSearch'],
      defaultMode: 'dontAsk',
      disableAutoMode: 'disable',
    },
  };
}

/** The Claude Code adapter with the given paths (the container's by default). */
export function createClaudeCodeAdapter(paths: ClaudeCodePaths = containerPaths): AgentAdapter {
  const statePath = `${paths.home}/.claude`;
  return {
    name: 'claude-code',
    displayName: 'Claude Code',
    imageFolder: 'claude-code',
    provider: 'anthropic',
    statePath,
    environment(facts) {
      return {
        ANTHROPIC_API_KEY: facts.sentinel,
        // `.claude.json`, settings and conversations all live here, so they persist from turn to turn.
        CLAUDE_CONFIG_DIR: statePath,
        NODE_EXTRA_CA_CERTS: paths.caCertificate,
        // The image is replaced, never updated, and nothing but inference passes the egress: no update checks,
        // telemetry, error reports, feature flags, surveys or model catalog downloads.
        DISABLE_AUTOUPDATER: '1',
        DISABLE_UPDATES: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
        DISABLE_GROWTHBOOK: '1',
        DISABLE_FEEDBACK_COMMAND: '1',
        CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        CLAUDE_CODE_MODEL_CATALOG: '0',
        // MCP tools are otherwise deferred behind ToolSearch; they are the agent's only tools, so load them at once.
        ENABLE_TOOL_SEARCH: 'false',
        ...(facts.model === undefined ? {} : { ANTHROPIC_MODEL: facts.model }),
      };
    },
    stateFiles(facts) {
      return {
        '.claude.json': `${JSON.stringify(globalConfig(paths, facts), null, 2)}\n`,
        'settings.json': `${JSON.stringify(userSettings(), null, 2)}\n`,
      };
    },
    batchCommand(turn: AgentTurn) {
      // `--continue` takes up the latest conversation of the working directory from the state folder; `--` keeps a
      // message that starts with `-` from being read as an option.
      const resume = turn.isResume ? ['--continue'] : [];
      return [
        'claude',
        '-p',
        ...resume,
        '--output-format',
        'json',
        ...commonFlags(paths),
        '--',
        turn.message,
      ];
    },
    interactiveCommand(task) {
      return ['claude', ...commonFlags(paths), ...(task === undefined ? [] : ['--', task])];
    },
    parseBatchOutput: parseClaudeCodeOutput,
  };
}

/** The adapter as it runs in the agent container. */
export const claudeCodeAdapter: AgentAdapter = createClaudeCodeAdapter();

/** The fields of `--output-format json`'s result object that decide a turn. */
interface ClaudeCodeResult {
  readonly type: 'result';
  readonly subtype?: unknown;
  readonly is_error?: unknown;
  readonly result?: unknown;
  readonly api_error_status?: unknown;
  readonly errors?: unknown;
}

/**
 * Reads `claude -p --output-format json`. Its result object carries the answer (`result`), `is_error`, `subtype`
 * (`success`, `error_max_turns`, `error_during_execution`…) and, when the API refused, `api_error_status`. Without
 * one (a bad flag, an unreadable MCP config), the message is on stderr. A non-zero exit is always an error.
 */
export function parseClaudeCodeOutput(output: {
  stdout: string;
  stderr: string;
  exitCode: number;
}): AgentRunResult {
  const result = findResult(output.stdout);
  if (result === undefined) {
    const text =
      output.stderr.trim() || output.stdout.trim() || `Claude Code exited with code ${output.exitCode}.`;
    const isError = output.exitCode !== 0;
    return { text, isError, isQuotaExhausted: isError && mentionsQuota(text) };
  }
  const isError = output.exitCode !== 0 || result.is_error === true || result.subtype !== 'success';
  const text = resultText(result, output);
  const status = typeof result.api_error_status === 'number' ? result.api_error_status : undefined;
  // 429 is a rate or quota limit and 529 an overloaded API; Anthropic says "credit balance is too low" with a 400.
  const isQuotaExhausted = isError && (status === 429 || status === 529 || mentionsQuota(text));
  return { text, isError, isQuotaExhausted };
}

function findResult(stdout: string): ClaudeCodeResult | undefined {
  // The whole of stdout is the object; a line-by-line search from the end copes with anything printed before it.
  const candidates = [stdout.trim(), ...stdout.split('\n').reverse()];
  for (const candidate of candidates) {
    if (!candidate.trim().startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(candidate);
      if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'result') {
        return value as ClaudeCodeResult;
      }
    } catch {
      // Not the result object: keep looking.
    }
  }
  return undefined;
}

function resultText(result: ClaudeCodeResult, output: { stderr: string; exitCode: number }): string {
  if (typeof result.result === 'string' && result.result.trim() !== '') return result.result;
  if (Array.isArray(result.errors) && result.errors.length > 0) return result.errors.map(String).join('\n');
  const stderr = output.stderr.trim();
  if (stderr !== '') return stderr;
  const subtype = typeof result.subtype === 'string' ? result.subtype : 'unknown';
  return `Claude Code stopped (${subtype}, exit code ${output.exitCode}) without a message.`;
}

function mentionsQuota(text: string): boolean {
  return /\b(429|529)\b|rate.?limit|overloaded|credit balance|quota/i.test(text);
}
