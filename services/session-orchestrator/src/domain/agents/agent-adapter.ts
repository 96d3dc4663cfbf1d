/** Where things are inside every agent container (see docs/AGENT-CONTAINERS.md). */
export const containerPaths = {
  workspace: '/workspace',
  orientation: '/etc/ironcurtain',
  caCertificate: '/etc/ironcurtain/ca.pem',
  mcpClientConfig: '/etc/ironcurtain/mcp.json',
  systemPrompt: '/etc/ironcurtain/system-prompt.md',
  sockets: '/run/ironcurtain',
  egressSocket: '/run/ironcurtain/egress.sock',
  mcpSocket: '/run/ironcurtain/mcp.sock',
  home: '/home/agent',
  /** Written by the init script: the system roots plus the session CA, for SSL_CERT_FILE. */
  caBundle: '/tmp/ironcurtain/ca-bundle.pem',
} as const;

/** The in-container port the init script's forwarder listens on (127.0.0.1), relayed to the egress socket. */
export const egressForwarderPort = 18080;

/** The LLM provider an agent talks to, as the egress names it (its sentinel is `sentinels[provider]`). */
export type AgentProvider = 'anthropic' | 'openai' | 'google';

/** What an adapter knows about the session when it prepares files and command lines. */
export interface AgentSessionFacts {
  readonly sessionId: string;
  /** The model the user asked for, without the provider prefix (`claude-sonnet-4-6`), if any. */
  readonly model?: string | undefined;
  /** The session's sentinel key for the adapter's provider. */
  readonly sentinel: string;
}

/** One run of the agent in batch mode: the user's message and whether an earlier turn exists to resume. */
export interface AgentTurn {
  readonly message: string;
  readonly isResume: boolean;
}

/** What the agent's batch run produced, read from its stdout/stderr and exit code. */
export interface AgentRunResult {
  /** The agent's final answer (shown to the user as assistant text). */
  readonly text: string;
  readonly isError: boolean;
  /** The provider refused for quota or rate (429 / overloaded): the turn failed for a reason the user can act on. */
  readonly isQuotaExhausted: boolean;
}

/**
 * One external agent CLI: how its image is named, how it is configured and started inside the container, and how its
 * output is read. Adapters are pure: they return file contents and command lines; the container host does the I/O.
 */
export interface AgentAdapter {
  /** `claude-code`, `codex`, …: the value of `session.start.v1`'s `agent`. */
  readonly name: string;
  /** A human name for messages (`Claude Code`). */
  readonly displayName: string;
  /** The folder under `deploy/agents/` its Dockerfile is in. */
  readonly imageFolder: string;
  readonly provider: AgentProvider;
  /** The agent's own state folder inside the container; `sessions/<id>/agent-state` is mounted there. */
  readonly statePath: string;
  /** Environment of the agent process (sentinel key, CA, telemetry and update checks off, config locations). */
  environment(facts: AgentSessionFacts): Record<string, string>;
  /** Files to write into the agent-state folder before the first run (relative path → content), e.g. settings. */
  stateFiles(facts: AgentSessionFacts): Record<string, string>;
  /** The command of one batch turn (argv, run by the init script). */
  batchCommand(turn: AgentTurn, facts: AgentSessionFacts): string[];
  /** The command of the interactive TUI (PTY mode), with the first task when one was given. */
  interactiveCommand(task: string | undefined, facts: AgentSessionFacts): string[];
  /** Reads a batch run's result. */
  parseBatchOutput(output: { stdout: string; stderr: string; exitCode: number }): AgentRunResult;
}
